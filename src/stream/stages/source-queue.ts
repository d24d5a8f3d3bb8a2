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
   * Offers an element. Resolves `"enqueued"` once it has its place in the buffer (with
   * `backpressure`, only when there is room), `"dropped"` when the overflow strategy dropped it,
   * `"closed"` after the stream ended or `complete`/`fail` was called; rejects when the `fail`
   * strategy overflowed. When the buffer has room for it, counting every offer before it, the
   * answer is "enqueued" at once, as a promise already settled: no promise is made per offer.
   * Like any buffered element, an enqueued one is dropped if the stream is cancelled first.
   */
  offer(element: T): Promise<QueueOfferResult>;
  /** Completes the stream once the buffered elements are emitted. */
  complete(): void;
  /** Fails the stream at once. */
  fail(error: unknown): void;
  /** Resolves when the stream completes, rejects when it fails. */
  watchCompletion(): Promise<void>;
}

/** The results every offer decided at once shares (a settled promise can be shared). */
const ENQUEUED: Promise<QueueOfferResult> = Promise.resolve("enqueued");
const CLOSED: Promise<QueueOfferResult> = Promise.resolve("closed");

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
  /**
   * Offers answered "enqueued" at once, on their way to the buffer: there was room for them
   * counting every element before them, so the stage will take them whatever happens first.
   */
  private accepted = 0;
  /** `complete` or `fail` was called: later offers are "closed" at once. */
  private closing = false;
  readonly queue: SourceQueue<T>;

  constructor(
    private readonly size: number,
    private readonly strategy: OverflowStrategy,
  ) {
    super();
    const Q = SourceQueueLogic.prototype as SourceQueueLogic<T>;
    this.queue = {
      offer: (element) => {
        if (this.ended || this.closing) return CLOSED;
        // The common case, decided now: no promise, no waiting for the stage to see it.
        if (
          this.inFlight.length === 0 &&
          this.waiting.length === 0 &&
          this.buffer.length + this.accepted < this.size
        ) {
          this.accepted++;
          this.invokeFromOutside(Q.handleAccepted, element);
          return ENQUEUED;
        }
        const offer: PendingOffer<T> = { element, result: deferred() };
        this.inFlight.push(offer);
        this.invokeFromOutside(Q.handleOffer, offer);
        return offer.result.promise;
      },
      complete: () => {
        this.closing = true;
        this.invokeFromOutside(Q.handleComplete, undefined);
      },
      fail: (error) => {
        this.closing = true;
        this.invokeFromOutside(Q.handleFail, error);
      },
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

  private handleAccepted(element: T): void {
    this.accepted--;
    if (this.isAvailable(this.out) && this.buffer.length === 0) this.push(this.out, element);
    else this.buffer.push(element);
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
