/**
 * Source stages: failures, promises and async pulls (async iterables, Web ReadableStreams),
 * `maybe` and `tick`. Synchronous sources are in sync-source.ts.
 */
import { SourceStageLogic } from "../stage-shapes.js";

/** Completes (no error) or fails at once. */
export class TerminatedSourceLogic<T> extends SourceStageLogic<T> {
  constructor(private readonly error?: unknown) {
    super();
  }
  override preStart(): void {
    if (this.error === undefined) this.completeStage();
    else this.failStage(this.error);
  }
  onPull(): void {}
}

/** The result of one asynchronous pull: an element, or the end. */
export type PullResult<T> =
  | { readonly done: false; readonly value: T }
  | { readonly done: true; readonly value?: unknown };

/**
 * Pulls from an asynchronous producer one element at a time: `next()` is called only when
 * downstream asks (back-pressure), `cancel(cause)` when downstream cancels early.
 */
export class AsyncPullSourceLogic<T> extends SourceStageLogic<T> {
  private finished = false;
  private readonly onResult = this.getAsyncCallback<PullResult<T>>((result) => {
    if (result.done) {
      this.finished = true;
      this.completeStage();
    } else {
      this.push(this.out, result.value);
    }
  });
  private readonly onError = this.getAsyncCallback<unknown>((error) => {
    this.finished = true;
    this.failStage(error);
  });

  constructor(
    private readonly next: () => PromiseLike<PullResult<T>>,
    private readonly cancelProducer: (cause: unknown) => void,
  ) {
    super();
  }
  onPull(): void {
    let result: PromiseLike<PullResult<T>>;
    try {
      result = this.next();
    } catch (error) {
      this.finished = true;
      return this.failStage(error);
    }
    result.then(this.onResult, this.onError);
  }
  onDownstreamFinish(cause: unknown): void {
    this.completeStage();
    if (!this.finished) {
      this.finished = true;
      try {
        this.cancelProducer(cause);
      } catch {
        // The producer's own cleanup failing must not fail the stream that no longer wants it.
      }
    }
  }
}

/** Emits the value a promise resolves to, or fails with its rejection. */
export class PromiseSourceLogic<T> extends SourceStageLogic<T> {
  private value: { v: T } | undefined;
  private readonly onValue = this.getAsyncCallback<T>((v) => {
    if (this.isAvailable(this.out)) {
      this.push(this.out, v);
      this.completeStage();
    } else {
      this.value = { v };
    }
  });
  private readonly onError = this.getAsyncCallback<unknown>((e) => this.failStage(e));

  constructor(private readonly promise: PromiseLike<T>) {
    super();
  }
  override preStart(): void {
    this.promise.then(this.onValue, this.onError);
  }
  onPull(): void {
    if (this.value) {
      this.push(this.out, this.value.v);
      this.completeStage();
    }
  }
}

/**
 * The handle `Source.maybe()` materializes (Akka's `CompletableFuture<Optional<T>>`):
 * `complete(value)` emits `value` then completes, `complete(undefined)` completes empty,
 * `fail(error)` fails. Only the first call counts.
 */
export interface MaybeHandle<T> {
  complete(value?: T): void;
  fail(error: unknown): void;
  /** Whether complete or fail has been called. */
  readonly isCompleted: boolean;
}

/** The handle of one `Source.maybe`: an object with methods, no closures kept per source. */
class SourceMaybeHandle<T> implements MaybeHandle<T> {
  constructor(private readonly logic: MaybeSourceLogic<T>) {}
  complete(value?: T): void {
    this.logic.settleFromHandle({ value });
  }
  fail(error: unknown): void {
    this.logic.settleFromHandle({ error });
  }
  get isCompleted(): boolean {
    return this.logic.settled;
  }
}

export class MaybeSourceLogic<T> extends SourceStageLogic<T> {
  private pending: { value: T } | undefined;
  /** @internal Whether the handle was completed or failed. */
  settled = false;
  readonly handle: MaybeHandle<T> = new SourceMaybeHandle(this);

  /** @internal The handle's first call, from outside the graph. */
  settleFromHandle(outcome: { value?: T } | { error: unknown }): void {
    if (this.settled) return;
    this.settled = true;
    this.invokeFromOutside(MaybeSourceLogic.prototype.onSettled, outcome);
  }

  private onSettled(outcome: { value?: T } | { error: unknown }): void {
    if ("error" in outcome) return this.failStage(outcome.error);
    const value = outcome.value;
    if (value === undefined) return this.completeStage();
    if (this.isAvailable(this.out)) {
      this.push(this.out, value);
      this.completeStage();
    } else {
      this.pending = { value };
    }
  }

  onPull(): void {
    if (this.pending) {
      this.push(this.out, this.pending.value);
      this.completeStage();
    }
  }
}

/** What `Source.tick` materializes: stops the ticks (the source then completes). */
export interface Cancellable {
  cancel(): void;
  readonly isCancelled: boolean;
}

/** Emits `element` every `interval` ms after `initialDelay`; ticks without demand are dropped. */
export class TickSourceLogic<T> extends SourceStageLogic<T> {
  private cancelled = false;
  private readonly onCancel = this.getAsyncCallback<void>(() => this.completeStage());
  readonly cancellable: Cancellable;

  constructor(
    private readonly initialDelay: number,
    private readonly interval: number,
    private readonly element: T,
  ) {
    super();
    const self = this;
    this.cancellable = {
      cancel: () => {
        if (self.cancelled) return;
        self.cancelled = true;
        self.onCancel();
      },
      get isCancelled() {
        return self.cancelled;
      },
    };
  }
  override preStart(): void {
    this.scheduleAtFixedRate("tick", this.initialDelay, this.interval);
  }
  onPull(): void {}
  protected override onTimer(): void {
    if (this.isAvailable(this.out)) this.push(this.out, this.element);
  }
}
