/**
 * `Sink.queue()`: a sink read from outside with `pull()`, and the adapters built on it
 * (`Sink.asAsyncIterable()`, `Sink.asReadableStream()`). It keeps up to `bufferSize` elements
 * ahead of the reader and pulls upstream only while there is room: the reader's pace is the
 * stream's pace.
 */
import { type Deferred, deferred } from "../deferred.js";
import { SinkStageLogic } from "../stage-shapes.js";
import { RingQueue } from "./buffer.js";

/** The handle `Sink.queue()` materializes. */
export interface SinkQueue<T> {
  /** The next element, or `undefined` once the stream completed; rejects if it failed. */
  pull(): Promise<T | undefined>;
  /** Like `pull`, but tells an element from the end even when elements may be `undefined`. */
  pullResult(): Promise<IteratorResult<T, undefined>>;
  /** Stops reading: cancels upstream. */
  cancel(): void;
}

type Terminal = { readonly kind: "done" } | { readonly kind: "failed"; readonly error: unknown };
const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

export class SinkQueueLogic<T> extends SinkStageLogic<T> {
  private readonly buffer = new RingQueue<T>();
  private readonly requests = new RingQueue<Deferred<IteratorResult<T, undefined>>>();
  private terminal: Terminal | undefined;
  private upstreamDone = false;
  private terminalError: unknown = undefined;
  private readonly onRequest = this.getAsyncCallback<Deferred<IteratorResult<T, undefined>>>((d) =>
    this.serve(d),
  );
  private readonly onCancel = this.getAsyncCallback<void>(() => this.completeStage());
  readonly queue: SinkQueue<T>;

  constructor(private readonly bufferSize: number) {
    super();
    this.queue = {
      pullResult: () => {
        const d = deferred<IteratorResult<T, undefined>>();
        if (this.terminal?.kind === "failed") d.reject(this.terminal.error);
        else if (this.terminal) d.resolve(DONE);
        else this.onRequest(d);
        return d.promise;
      },
      pull: () => this.queue.pullResult().then((r) => (r.done ? undefined : r.value)),
      cancel: () => this.onCancel(),
    };
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.pull(this.in);
  }

  onPush(): void {
    const element = this.grab(this.in);
    const waiting = this.requests.shift();
    if (waiting) waiting.resolve({ done: false, value: element });
    else this.buffer.push(element);
    this.pullIfRoom();
  }

  onUpstreamFinish(): void {
    this.upstreamDone = true;
    if (this.buffer.length === 0) this.completeStage();
  }

  onUpstreamFailure(error: unknown): void {
    // Elements already buffered were complete; the failure is reported after them.
    this.upstreamDone = true;
    this.terminalError = error;
    if (this.buffer.length === 0) this.failStage(error);
  }

  override postStop(): void {
    this.terminal =
      this.terminalError === undefined ? { kind: "done" } : { kind: "failed", error: this.terminalError };
    for (let r = this.requests.shift(); r; r = this.requests.shift()) {
      if (this.terminal.kind === "failed") r.reject(this.terminal.error);
      else r.resolve(DONE);
    }
    this.buffer.clear();
  }

  private serve(request: Deferred<IteratorResult<T, undefined>>): void {
    if (this.buffer.length > 0) {
      request.resolve({ done: false, value: this.buffer.shift() as T });
      if (this.upstreamDone && this.buffer.length === 0) {
        if (this.terminalError === undefined) this.completeStage();
        else this.failStage(this.terminalError);
      } else {
        this.pullIfRoom();
      }
      return;
    }
    this.requests.push(request);
    this.pullIfRoom();
  }

  private pullIfRoom(): void {
    if (this.upstreamDone || this.hasBeenPulled(this.in) || this.isClosed(this.in)) return;
    if (this.buffer.length < this.bufferSize) this.pull(this.in);
  }
}

/** An async iterator over a sink queue; `return()` (a `break` in for-await) cancels upstream. */
export function queueIterator<T>(queue: SinkQueue<T>): AsyncIterableIterator<T> {
  return {
    next: () => queue.pullResult() as Promise<IteratorResult<T>>,
    return: (value?: unknown) => {
      queue.cancel();
      return Promise.resolve({ done: true, value } as IteratorResult<T>);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
