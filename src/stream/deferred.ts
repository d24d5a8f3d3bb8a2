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
/** A bit of `state`: the promise has been made. */
const MADE = 4;

/**
 * The Promise is made only when someone asks for it: a connection's materialized values (its
 * `closed`, a sink's result) are often never read, and a pending Promise with its two resolve
 * functions and their context costs ~220 bytes for as long as the connection lives. Asked for
 * after settling, it is made settled. A class, not an object literal: no closures per instance.
 * @internal Exported as a base class for long-lived objects that settle one promise of their own
 * (a connection's controls): one object fewer than holding a deferred.
 */
export class DeferredPromise<T> implements Deferred<T> {
  /** PENDING, RESOLVED or REJECTED, plus MADE once the promise exists. */
  private state = PENDING;
  /** Before the promise is made: the value or the error, once settled. After: the promise. */
  private slot: unknown = undefined;
  // Dropped once settled (with the executor's context).
  private resolveFn: ((value: T) => void) | undefined = undefined;
  private rejectFn: ((error: unknown) => void) | undefined = undefined;

  get settled(): boolean {
    return (this.state & ~MADE) !== PENDING;
  }

  get promise(): Promise<T> {
    if ((this.state & MADE) !== 0) return this.slot as Promise<T>;
    let made: Promise<T>;
    if (this.state === PENDING) {
      made = new Promise<T>((resolve, reject) => {
        this.resolveFn = resolve;
        this.rejectFn = reject;
      });
    } else if (this.state === RESOLVED) {
      made = Promise.resolve(this.slot as T);
    } else {
      made = Promise.reject(this.slot);
      made.catch(ignore);
    }
    this.slot = made;
    this.state |= MADE;
    return made;
  }

  resolve(value: T): void {
    this.settle(RESOLVED, value);
  }

  reject(error: unknown): void {
    this.settle(REJECTED, error);
  }

  private settle(outcomeState: typeof RESOLVED | typeof REJECTED, outcome: unknown): void {
    if (this.settled) return;
    // A thenable is adopted at once, as a Promise would: it may reject, and nobody else handles it.
    if (outcomeState === RESOLVED && (this.state & MADE) === 0 && isThenable(outcome)) void this.promise;
    const made = (this.state & MADE) !== 0;
    this.state |= outcomeState;
    if (!made) {
      this.slot = outcome; // nobody asked for the promise yet: it is made settled when asked
      return;
    }
    const settleMade = outcomeState === RESOLVED ? this.resolveFn! : this.rejectFn!;
    this.resolveFn = this.rejectFn = undefined;
    // Marked handled only when it can reject: a handler per promise that resolves is garbage.
    if (outcomeState === REJECTED || isThenable(outcome)) (this.slot as Promise<T>).catch(ignore);
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
