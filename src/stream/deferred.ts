/**
 * Promises for materialized values. Akka's futures may fail with nobody listening; a plain
 * rejected Promise would crash Node with an unhandled rejection. These promises carry a no-op
 * handler, so a failure nobody awaits is harmless, while whoever awaits still sees it.
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
  private resolveFn!: (value: T) => void;
  private rejectFn!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.promise.catch(ignore);
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(error);
  }
}

/** Creates a {@link Deferred} whose rejection is never reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  return new DeferredPromise<T>();
}
