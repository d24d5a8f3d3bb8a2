/**
 * Sink stages. Each pulls as soon as it starts and settles its materialized promise exactly
 * once: on completion, on failure, or (if stopped any other way) with an abrupt-termination error.
 */
import { type Deferred, lazyDeferred } from "../deferred.js";
import { SinkStageLogic } from "../stage-shapes.js";
import { AbruptStageTerminationError, NoSuchElementError } from "../stream-errors.js";

/**
 * What a consuming sink does with elements: `consume` each, then `finish` gives the result (or
 * throws, e.g. `NoSuchElementError`). A strategy object rather than subclasses, so the sink's
 * hot code sees one class only.
 */
export interface Consumer<In, R> {
  consume(element: In): void;
  finish(): R;
}

/**
 * A sink that settles `result` exactly once: it pulls at start, a failure rejects the result, and
 * a stage stopped any other way rejects it with an abrupt-termination error.
 */
abstract class ResultSinkLogic<In, R> extends SinkStageLogic<In> {
  readonly result: Deferred<R> = lazyDeferred<R>();
  /** The abrupt-termination error's message (a method: no field per sink, which may live long). */
  protected abstract abruptMessage(): string;
  override preStart(): void {
    this.pull(this.in);
  }
  onUpstreamFailure(error: unknown): void {
    this.result.reject(error);
    this.failStage(error);
  }
  override postStop(): void {
    // Only build the error (a stack trace costs tens of µs) when the promise is still open.
    if (!this.result.settled) this.result.reject(new AbruptStageTerminationError(this.abruptMessage()));
  }
}

/** A sink that consumes every element and settles `result` when the stream ends. */
export class ConsumingSinkLogic<In, R> extends ResultSinkLogic<In, R> {
  constructor(private readonly consumer: Consumer<In, R>) {
    super();
  }
  protected abruptMessage(): string {
    return "sink stopped before the stream completed";
  }
  onPush(): void {
    try {
      this.consumer.consume(this.grab(this.in));
    } catch (error) {
      this.result.reject(error);
      return this.failStage(error);
    }
    this.pull(this.in);
  }
  onUpstreamFinish(): void {
    try {
      this.result.resolve(this.consumer.finish());
    } catch (error) {
      this.result.reject(error);
    }
    this.completeStage();
  }
}

/** `Sink.foreach`. */
export function foreachConsumer<T>(f: (element: T) => void): Consumer<T, void> {
  return { consume: f, finish: finishVoid };
}

function finishVoid(): void {}

/** `Sink.seq`. */
export function seqConsumer<T>(): Consumer<T, T[]> {
  const items: T[] = [];
  return { consume: (element) => void items.push(element), finish: () => items };
}

/** `Sink.fold`. */
export function foldConsumer<T, Acc>(zero: Acc, f: (acc: Acc, element: T) => Acc): Consumer<T, Acc> {
  let acc = zero;
  return {
    consume: (element) => {
      acc = f(acc, element);
    },
    finish: () => acc,
  };
}

/** `Sink.last` (required: fails on an empty stream) and `Sink.lastOption`. */
export function lastConsumer<T>(required: boolean): Consumer<T, T | undefined> {
  let last: { value: T } | undefined;
  return {
    consume: (element) => {
      last = { value: element };
    },
    finish: () => {
      if (last) return last.value;
      if (required) throw new NoSuchElementError("last() of an empty stream");
      return undefined;
    },
  };
}

/** `head()` (fails on an empty stream) and `headOption()`: takes one element, then cancels. */
export class HeadSinkLogic<T> extends ResultSinkLogic<T, T | undefined> {
  constructor(private readonly required: boolean) {
    super();
  }
  protected abruptMessage(): string {
    return "head sink stopped before an element arrived";
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
}

/** Cancels upstream at once. */
export class CancelledSinkLogic<T> extends SinkStageLogic<T> {
  override preStart(): void {
    this.cancel(this.in);
  }
  onPush(): void {}
}
