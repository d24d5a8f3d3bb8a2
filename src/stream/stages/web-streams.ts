/**
 * Adapters to and from WHATWG streams, at the edges of the interpreter. Both directions honour
 * back-pressure (a ReadableStream is read only on demand; a WritableStream's `ready` gates the
 * next pull) and propagate cancellation and errors.
 */
import { type Deferred, deferred } from "../deferred.js";
import { SinkStageLogic } from "../stage-shapes.js";
import { AbruptStageTerminationError } from "../stream-errors.js";
import type { SinkQueue } from "./sink-queue.js";

/** A ReadableStream reading from a sink queue, one pull at a time (high-water mark 0). */
export function queueReadableStream<T>(queue: SinkQueue<T>): ReadableStream<T> {
  return new ReadableStream<T>(
    {
      pull: async (controller) => {
        const next = await queue.pullResult();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: () => queue.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/** Writes every element to a WritableStream; materializes a promise settled when it is closed. */
export class WritableStreamSinkLogic<T> extends SinkStageLogic<T> {
  readonly result: Deferred<void> = deferred<void>();
  private writer: WritableStreamDefaultWriter<T> | undefined;
  private handedOff = false;
  private readonly onReady = this.getAsyncCallback<void>(() => {
    if (!this.isClosed(this.in) && !this.hasBeenPulled(this.in)) this.pull(this.in);
  });
  private readonly onError = this.getAsyncCallback<unknown>((error) => {
    this.result.reject(error);
    this.failStage(error);
  });

  constructor(private readonly stream: WritableStream<T>) {
    super();
  }

  override preStart(): void {
    this.writer = this.stream.getWriter();
    this.pull(this.in);
  }

  onPush(): void {
    const writer = this.writer!;
    writer.write(this.grab(this.in)).catch(this.onError);
    const desired = writer.desiredSize;
    if (desired !== null && desired > 0) this.pull(this.in);
    else writer.ready.then(this.onReady, this.onError);
  }

  onUpstreamFinish(): void {
    this.handedOff = true;
    this.writer!.close().then(
      () => this.result.resolve(),
      (error: unknown) => this.result.reject(error),
    );
    this.completeStage();
  }

  onUpstreamFailure(error: unknown): void {
    this.handedOff = true;
    this.writer!.abort(error).catch(() => {});
    this.result.reject(error);
    this.failStage(error);
  }

  override postStop(): void {
    if (this.handedOff) return;
    const error = new AbruptStageTerminationError("WritableStream sink stopped before the stream completed");
    this.writer?.abort(error).catch(() => {});
    this.result.reject(error);
  }
}
