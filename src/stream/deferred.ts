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

/** Creates a {@link Deferred} whose rejection is never reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  let resolveFn!: (value: T) => void;
  let rejectFn!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolveFn = res;
    rejectFn = rej;
  });
  promise.catch(() => {});
  const d = {
    promise,
    settled: false,
    resolve(value: T) {
      if (d.settled) return;
      d.settled = true;
      resolveFn(value);
    },
    reject(error: unknown) {
      if (d.settled) return;
      d.settled = true;
      rejectFn(error);
    },
  };
  return d;
}
