/**
 * Promises for materialized values. Akka's futures may fail with nobody listening; a plain
 * rejected Promise would crash Node with an unhandled rejection. These promises get a no-op
 * handler when they reject, so a failure nobody awaits is harmless, while whoever awaits still
 * sees it.
 */

/** A promise with its settle functions exposed; settling twice is ignored. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function ignore(): void {}

const PENDING = 0;
const RESOLVED = 1;
const REJECTED = 2;

/**
 * The Promise is made only when someone asks for it: a connection's materialized values (its
 * `closed`, a sink's result) are often never read, and a pending Promise with its two resolve
 * functions and their context costs ~220 bytes for as long as the connection lives. Asked for
 * after settling, it is made settled. A class, not an object literal: no closures per instance.
 */
class DeferredPromise<T> implements Deferred<T> {
  private state = PENDING;
  /** The value or the error, once settled (and while nobody asked for the promise). */
  private outcome: unknown = undefined;
  private made: Promise<T> | undefined = undefined;
  // Dropped once settled (with the executor's context).
  private resolveFn: ((value: T) => void) | undefined = undefined;
  private rejectFn: ((error: unknown) => void) | undefined = undefined;

  get settled(): boolean {
    return this.state !== PENDING;
  }

  get promise(): Promise<T> {
    if (this.made !== undefined) return this.made;
    if (this.state === PENDING) {
      this.made = new Promise<T>((resolve, reject) => {
        this.resolveFn = resolve;
        this.rejectFn = reject;
      });
    } else if (this.state === RESOLVED) {
      this.made = Promise.resolve(this.outcome as T);
    } else {
      this.made = Promise.reject(this.outcome);
      this.made.catch(ignore);
    }
    this.outcome = undefined;
    return this.made;
  }

  resolve(value: T): void {
    this.settle(RESOLVED, value);
  }

  reject(error: unknown): void {
    this.settle(REJECTED, error);
  }

  private settle(state: typeof RESOLVED | typeof REJECTED, outcome: unknown): void {
    if (this.state !== PENDING) return;
    // A thenable is adopted at once, as a Promise would: it may reject, and nobody else handles it.
    if (state === RESOLVED && this.made === undefined && isThenable(outcome)) void this.promise;
    this.state = state;
    const settleMade = state === RESOLVED ? this.resolveFn : this.rejectFn;
    if (settleMade === undefined) {
      this.outcome = outcome; // nobody asked for the promise yet: it is made settled when asked
      return;
    }
    this.resolveFn = this.rejectFn = undefined;
    // Marked handled only when it can reject: a handler per promise that resolves is garbage.
    if (state === REJECTED || isThenable(outcome)) this.made!.catch(ignore);
    (settleMade as (value: unknown) => void)(outcome);
  }
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** Creates a {@link Deferred} whose rejection is never reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  return new DeferredPromise<T>();
}

/**
 * A deferred whose promise a blueprint hands out as its materialized value lazily (see
 * {@link lazyPromise}). Only the stream layer makes them; a user's `Deferred` is never one.
 */
class LazyDeferred<T> extends DeferredPromise<T> {}

/** @internal A {@link Deferred} that can stand for its promise as a materialized value. */
export function lazyDeferred<T>(): Deferred<T> {
  return new LazyDeferred<T>();
}

/**
 * @internal Stands for `d.promise` as a materialized value, without making the promise: a
 * composition that drops the value (`Keep.left` of a sink's result, the usual case for a
 * WebSocket's `Sink.ignore`) never makes it, and a connection that lives long does not keep a
 * pending promise, its resolve functions and their context (~220 bytes). {@link matValue} makes
 * it wherever the value is kept.
 */
export function lazyPromise<T>(d: Deferred<T>): Promise<T> {
  return d instanceof LazyDeferred ? (d as unknown as Promise<T>) : d.promise;
}

/** @internal The materialized value itself: a {@link lazyPromise} becomes its promise now. */
export function matValue<M>(mat: M): M {
  return mat instanceof LazyDeferred ? (mat.promise as M) : mat;
}
