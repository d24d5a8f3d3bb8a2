/**
 * Combining materialized values when two blueprints are joined (Akka's `Keep`).
 */

/** The materialized value of a blueprint that materializes nothing of interest (Akka's `NotUsed`). */
export type NotUsed = undefined;

/** Functions choosing what a composition materializes. */
export const Keep = {
  /** The left (upstream, or first) value. */
  left: <L, R>(left: L, _right: R): L => left,
  /** The right (downstream, or second) value. */
  right: <L, R>(_left: L, right: R): R => right,
  /** Both, as a tuple. */
  both: <L, R>(left: L, right: R): [L, R] => [left, right],
  /** Neither. */
  none: <L, R>(_left: L, _right: R): NotUsed => undefined,
} as const;
