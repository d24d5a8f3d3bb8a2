/**
 * Sink stages. Each pulls as soon as it starts and settles its materialized promise exactly
 * once: on completion, on failure, or (if stopped any other way) with an abrupt-termination error.
 */
import { type Deferred, deferred } from "../deferred.js";
import { SinkStageLogic } from "../stage-shapes.js";
import { AbruptStageTerminationError, NoSuchElementError } from "../stream-errors.js";

/** A sink that consumes every element and settles `result` when the stream ends. */
export abstract class ConsumingSinkLogic<In, R> extends SinkStageLogic<In> {
  readonly result: Deferred<R> = deferred<R>();

  override preStart(): void {
    this.pull(this.in);
  }
  onPush(): void {
    try {
      this.consume(this.grab(this.in));
    } catch (error) {
      this.result.reject(error);
      return this.failStage(error);
    }
    if (!this.isStopped && !this.isClosed(this.in)) this.pull(this.in);
  }
  onUpstreamFinish(): void {
    this.settle();
    this.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    this.result.reject(error);
    this.failStage(error);
  }
  override postStop(): void {
    this.result.reject(
      new AbruptStageTerminationError(`${this.constructor.name} stopped before the stream completed`),
    );
  }
  protected abstract consume(element: In): void;
  protected abstract settle(): void;
}

export class ForeachSinkLogic<T> extends ConsumingSinkLogic<T, void> {
  constructor(private readonly f: (element: T) => void) {
    super();
  }
  protected consume(element: T): void {
    this.f(element);
  }
  protected settle(): void {
    this.result.resolve();
  }
}

export class SeqSinkLogic<T> extends ConsumingSinkLogic<T, T[]> {
  private readonly items: T[] = [];
  protected consume(element: T): void {
    this.items.push(element);
  }
  protected settle(): void {
    this.result.resolve(this.items);
  }
}

export class FoldSinkLogic<T, Acc> extends ConsumingSinkLogic<T, Acc> {
  constructor(
    private acc: Acc,
    private readonly f: (acc: Acc, element: T) => Acc,
  ) {
    super();
  }
  protected consume(element: T): void {
    this.acc = this.f(this.acc, element);
  }
  protected settle(): void {
    this.result.resolve(this.acc);
  }
}

/** `last()` (fails on an empty stream) and `lastOption()` (resolves undefined). */
export class LastSinkLogic<T> extends ConsumingSinkLogic<T, T | undefined> {
  private last: { value: T } | undefined;
  constructor(private readonly required: boolean) {
    super();
  }
  protected consume(element: T): void {
    this.last = { value: element };
  }
  protected settle(): void {
    if (this.last) this.result.resolve(this.last.value);
    else if (this.required) this.result.reject(new NoSuchElementError("last() of an empty stream"));
    else this.result.resolve(undefined);
  }
}

/** `head()` (fails on an empty stream) and `headOption()`: takes one element, then cancels. */
export class HeadSinkLogic<T> extends SinkStageLogic<T> {
  readonly result: Deferred<T | undefined> = deferred<T | undefined>();
  constructor(private readonly required: boolean) {
    super();
  }
  override preStart(): void {
    this.pull(this.in);
  }
  onPush(): void {
    this.result.resolve(this.grab(this.in));
    this.completeStage();
  }
  onUpstreamFinish(): void {
    if (this.required) this.result.reject(new NoSuchElementError("head() of an empty stream"));
    else this.result.resolve(undefined);
    this.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    this.result.reject(error);
    this.failStage(error);
  }
  override postStop(): void {
    this.result.reject(new AbruptStageTerminationError("head sink stopped before an element arrived"));
  }
}

/** Cancels upstream at once. */
export class CancelledSinkLogic<T> extends SinkStageLogic<T> {
  override preStart(): void {
    this.cancel(this.in);
  }
  onPush(): void {}
}
