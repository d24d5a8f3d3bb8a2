/**
 * Synchronous sources (`from`, `range`, `single`, `repeat`, `empty`) as one stage that pulls
 * from a puller and applies any fused map/filter/collect steps before pushing: the source and
 * the element-wise operators after it cost one stage, not several.
 */
import { SourceStageLogic } from "../stage-shapes.js";
import { COLLECT, type ElementStep, FILTER, MAP } from "./fused-steps.js";

/** Returned by a puller when it has no more elements. */
export const DONE: unique symbol = Symbol("done");

/** Produces elements synchronously, one per call. */
export interface SyncPuller<T> {
  next(): T | typeof DONE;
  /** True when it is known that `next()` would return DONE (lets the source complete eagerly). */
  atEnd(): boolean;
  /** Called when the stream stops before the puller is exhausted. */
  cancel?(): void;
}

/** Elements skipped by filters in one onPull before yielding to other work. */
const MAX_SKIPS_PER_PULL = 1024;

export class SyncSourceLogic<T> extends SourceStageLogic<T> {
  private exhausted = false;
  private readonly resume = this.getAsyncCallback<void>(() => {
    if (this.isAvailable(this.out)) this.onPull();
  });

  constructor(
    private readonly puller: SyncPuller<unknown>,
    private readonly steps: readonly ElementStep[],
  ) {
    super();
  }

  override preStart(): void {
    if (this.puller.atEnd()) this.finish();
  }

  onPull(): void {
    const steps = this.steps;
    let skips = 0;
    next: for (;;) {
      let element = this.puller.next();
      if (element === DONE) return this.finish();
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        if (step.kind === MAP) {
          element = step.f(element) as typeof element;
        } else if (step.kind === FILTER || step.kind === COLLECT) {
          const result = step.f(element);
          const dropped = step.kind === FILTER ? !result : result === undefined;
          if (dropped) {
            if (++skips === MAX_SKIPS_PER_PULL) return this.resume();
            continue next;
          }
          if (step.kind === COLLECT) element = result as typeof element;
        }
      }
      this.push(this.out, element as T);
      if (this.puller.atEnd()) this.finish();
      return;
    }
  }

  override postStop(): void {
    if (!this.exhausted) this.puller.cancel?.();
  }

  private finish(): void {
    this.exhausted = true;
    this.completeStage();
  }
}

/** The elements of an array. */
export function arrayPuller<T>(items: readonly T[]): SyncPuller<T> {
  let index = 0;
  return {
    next: () => (index < items.length ? items[index++]! : DONE),
    atEnd: () => index >= items.length,
  };
}

/** `start`, `start + step`, … up to and including `end`. */
export function rangePuller(start: number, end: number, step: number): SyncPuller<number> {
  let next = start;
  const atEnd = step > 0 ? () => next > end : () => next < end;
  return {
    next: () => {
      if (atEnd()) return DONE;
      const value = next;
      next += step;
      return value;
    },
    atEnd,
  };
}

/** What an iterator yields; cancelling calls its `return()`. */
export function iteratorPuller<T>(iterable: Iterable<T>): SyncPuller<T> {
  const iterator = iterable[Symbol.iterator]();
  let done = false;
  return {
    next: () => {
      const r = iterator.next();
      if (r.done) {
        done = true;
        return DONE;
      }
      return r.value;
    },
    atEnd: () => done,
    cancel: () => {
      if (!done) iterator.return?.();
    },
  };
}

/** `element`, forever. */
export function repeatPuller<T>(element: T): SyncPuller<T> {
  return { next: () => element, atEnd: () => false };
}
