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

export class SourceQueueLogic<T> extends SourceStageLogic<T> {
  private readonly buffer = new RingQueue<T>();
  private readonly waiting = new RingQueue<PendingOffer<T>>();
  private completing = false;
  private ended = false;
  private readonly completion = deferred<void>();
  /**
   * Offers not yet seen by the stage, oldest first (async events arrive in order): settled as
   * "closed" if it stops first.
   */
  private readonly inFlight = new RingQueue<PendingOffer<T>>();
  readonly queue: SourceQueue<T>;

  constructor(
    private readonly size: number,
    private readonly strategy: OverflowStrategy,
  ) {
    super();
    const Q = SourceQueueLogic.prototype as SourceQueueLogic<T>;
    this.queue = {
      offer: (element) => {
        const offer: PendingOffer<T> = { element, result: deferred() };
        if (this.ended) {
          offer.result.resolve("closed");
        } else {
          this.inFlight.push(offer);
          this.invokeFromOutside(Q.handleOffer, offer);
        }
        return offer.result.promise;
      },
      complete: () => this.invokeFromOutside(Q.handleComplete, undefined),
      fail: (error) => this.invokeFromOutside(Q.handleFail, error),
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
    for (let o = this.inFlight.shift(); o; o = this.inFlight.shift()) o.result.resolve("closed");
    this.completion.resolve();
  }

  private handleComplete(): void {
    this.completing = true;
    if (this.buffer.length === 0) this.completeStage();
  }

  private handleFail(error: unknown): void {
    this.completion.reject(error);
    this.failStage(error);
  }

  private handleOffer(offer: PendingOffer<T>): void {
    this.inFlight.shift(); // this offer: the oldest in flight
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
