/**
 * Checks of the DSL's arguments for callers TypeScript's types do not reach (JavaScript, `any`):
 * a function, a blueprint of the right shape or an overflow strategy of the wrong kind throws
 * {@link StreamArgumentError} when the blueprint is built, not a `TypeError` when it runs, or a
 * wiring error far from the call that caused it (a `Sink` passed to `via` has no outlet).
 */
import { StreamArgumentError } from "./stream-errors.js";

/** What each blueprint class answers on its prototype (no per-instance cost). */
export const BLUEPRINT_SHAPE: unique symbol = Symbol("wsflow.blueprintShape");

/** The shapes of blueprints. */
export type BlueprintShape = "Source" | "Flow" | "Sink" | "BidiFlow" | "RunnableGraph";

/** A value as an error message names it: its type, or its class for an object. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 60))}`;
  if (typeof value === "function") return "a function";
  if (typeof value !== "object") return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== "string" || name === "Object") return "a plain object";
  return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`; // "a Uint8Array": U sounds as "you
}

/** Throws unless `value` is a blueprint of `shape`. */
export function requireShape(value: unknown, shape: BlueprintShape, name: string): void {
  if ((value as { [BLUEPRINT_SHAPE]?: unknown } | null | undefined)?.[BLUEPRINT_SHAPE] !== shape) {
    throw new StreamArgumentError(`${name} must be a ${shape}, got ${kindOf(value)}`);
  }
}

/** Throws unless `value` is a function. */
export function requireFunction(value: unknown, name: string): void {
  if (typeof value !== "function")
    throw new StreamArgumentError(`${name} must be a function, got ${kindOf(value)}`);
}

const OVERFLOW_STRATEGIES: ReadonlySet<unknown> = new Set([
  "dropHead",
  "dropTail",
  "dropBuffer",
  "dropNew",
  "backpressure",
  "fail",
]);

/** Throws unless `value` is one of the overflow strategies. */
export function requireOverflowStrategy(value: unknown): void {
  if (!OVERFLOW_STRATEGIES.has(value)) {
    throw new StreamArgumentError(
      `overflowStrategy must be one of ${[...OVERFLOW_STRATEGIES].join(", ")}, got ${kindOf(value)}`,
    );
  }
}
