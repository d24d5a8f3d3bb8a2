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

/** A class, not an object literal, so that no closures are made per instance beyond the executor's. */
class DeferredPromise<T> implements Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  // Dropped once settled (with the executor's context): a connection's promises settle early
  // and the connection may live for hours.
  private resolveFn: ((value: T) => void) | undefined;
  private rejectFn: ((error: unknown) => void) | undefined;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    // A thenable may still reject: mark that case handled too.
    if (typeof (value as { then?: unknown } | null)?.then === "function") this.promise.catch(ignore);
    const resolve = this.resolveFn!;
    this.resolveFn = this.rejectFn = undefined;
    resolve(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // Marked handled only now, when it matters: a handler per promise that resolves is garbage.
    this.promise.catch(ignore);
    const reject = this.rejectFn!;
    this.resolveFn = this.rejectFn = undefined;
    reject(error);
  }
}

/** Creates a {@link Deferred} whose rejection is never reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  return new DeferredPromise<T>();
}
