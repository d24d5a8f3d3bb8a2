/**
 * `Source.queue(bufferSize, overflowStrategy)`: a source fed from outside by `offer`.
 */
import { type Deferred, deferred } from "../deferred.js";
import { SourceStageLogic } from "../stage-shapes.js";
import { BufferOverflowError } from "../stream-errors.js";
import { type OverflowStrategy, RingQueue } from "./buffer.js";

/** What `offer` resolves to (Akka's QueueOfferResult). A failure rejects instead. */
export type QueueOfferResult = "enqueued" | "dropped" | "closed";

/** The handle `Source.queue` materializes. */
export interface SourceQueue<T> {
  /**
   * Offers an element. Resolves `"enqueued"` once it is in the buffer (with `backpressure`, only
   * when there is room), `"dropped"` when the overflow strategy dropped it, `"closed"` after the
   * stream ended; rejects when the stream failed or the `fail` strategy overflowed.
   */
  offer(element: T): Promise<QueueOfferResult>;
  /** Completes the stream once the buffered elements are emitted. */
  complete(): void;
  /** Fails the stream at once. */
  fail(error: unknown): void;
  /** Resolves when the stream completes, rejects when it fails. */
  watchCompletion(): Promise<void>;
}

interface PendingOffer<T> {
  readonly element: T;
  readonly result: Deferred<QueueOfferResult>;
}

type Command<T> =
  | { kind: "offer"; offer: PendingOffer<T> }
  | { kind: "complete" }
  | { kind: "fail"; error: unknown };

export class SourceQueueLogic<T> extends SourceStageLogic<T> {
  private readonly buffer = new RingQueue<T>();
  private readonly waiting = new RingQueue<PendingOffer<T>>();
  private completing = false;
  private ended = false;
  private readonly completion = deferred<void>();
  /** Offers not yet seen by the stage: settled as "closed" if it stops first. */
  private readonly inFlight = new Set<PendingOffer<T>>();
  private readonly onCommand = this.getAsyncCallback<Command<T>>((command) => this.handle(command));
  readonly queue: SourceQueue<T>;

  constructor(
    private readonly size: number,
    private readonly strategy: OverflowStrategy,
  ) {
    super();
    this.queue = {
      offer: (element) => {
        const offer: PendingOffer<T> = { element, result: deferred() };
        if (this.ended) {
          offer.result.resolve("closed");
        } else {
          this.inFlight.add(offer);
          this.onCommand({ kind: "offer", offer });
        }
        return offer.result.promise;
      },
      complete: () => this.onCommand({ kind: "complete" }),
      fail: (error) => this.onCommand({ kind: "fail", error }),
      watchCompletion: () => this.completion.promise,
    };
  }

  onPull(): void {
    if (this.buffer.length > 0) this.push(this.out, this.buffer.shift() as T);
    const waiting = this.waiting.shift();
    if (waiting) {
      this.buffer.push(waiting.element);
      waiting.result.resolve("enqueued");
    }
    if (this.completing && this.buffer.length === 0) this.completeStage();
  }

  onDownstreamFinish(): void {
    this.completeStage();
  }

  override postStop(): void {
    this.ended = true;
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) w.result.resolve("closed");
    for (const offer of this.inFlight) offer.result.resolve("closed");
    this.inFlight.clear();
    this.completion.resolve();
  }

  private handle(command: Command<T>): void {
    if (command.kind === "complete") {
      this.completing = true;
      if (this.buffer.length === 0) this.completeStage();
      return;
    }
    if (command.kind === "fail") {
      this.completion.reject(command.error);
      return this.failStage(command.error);
    }
    const { offer } = command;
    this.inFlight.delete(offer);
    if (this.completing) return offer.result.resolve("closed");
    if (this.isAvailable(this.out) && this.buffer.length === 0) {
      this.push(this.out, offer.element);
      return offer.result.resolve("enqueued");
    }
    if (this.buffer.length < this.size) {
      this.buffer.push(offer.element);
      return offer.result.resolve("enqueued");
    }
    switch (this.strategy) {
      case "backpressure":
        this.waiting.push(offer);
        return;
      case "dropNew":
        return offer.result.resolve("dropped");
      case "dropHead":
        this.buffer.shift();
        break;
      case "dropTail":
        this.buffer.pop();
        break;
      case "dropBuffer":
        this.buffer.clear();
        break;
      case "fail": {
        const error = new BufferOverflowError(`Source.queue buffer of ${this.size} elements overflowed`);
        offer.result.reject(error);
        this.completion.reject(error);
        return this.failStage(error);
      }
    }
    this.buffer.push(offer.element);
    offer.result.resolve("enqueued");
  }
}
