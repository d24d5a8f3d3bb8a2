/**
 * Combining two materialized values when blueprints are joined. `Keep.left`, `Keep.right` and
 * `Keep.none` pass a value through untouched (a lazy promise stays unmade, see `lazyPromise`);
 * any other function gets the values themselves.
 */
import { matValue } from "./deferred.js";
import { Keep } from "./keep.js";

/** @internal `combine(left, right)`, leaving a value the combination drops unmade. */
export function combineMat<L, R, M>(combine: (left: L, right: R) => M, left: L, right: R): M {
  if (combine === (Keep.left as unknown)) return left as unknown as M;
  if (combine === (Keep.right as unknown)) return right as unknown as M;
  if (combine === (Keep.none as unknown)) return undefined as M;
  return combine(matValue(left), matValue(right));
}
