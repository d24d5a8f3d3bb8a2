/**
 * Checks of the public API's arguments for callers TypeScript's types do not reach (JavaScript,
 * `any`, JSON-built options): a value of the wrong kind throws `InvalidArgumentError` at the call,
 * naming the argument and what it must be, instead of a `TypeError` from inside the stream engine
 * or a failure at the first connection.
 */
import { InvalidArgumentError } from "../codec/index.js";
import { BLUEPRINT_SHAPE, type BlueprintShape, kindOf } from "../stream/argument-checks.js";

export { kindOf };

/**
 * Throws unless `value` is an instance of `type` (a class, its constructor public or not); `hint`
 * says how to make one.
 */
export function requireInstance(
  value: unknown,
  type: { readonly prototype: object },
  what: string,
  hint: string,
): void {
  if (!Object.prototype.isPrototypeOf.call(type.prototype, value as object)) {
    throw new InvalidArgumentError(`${what} must be ${hint}, got ${kindOf(value)}`);
  }
}

/**
 * Throws unless `value` is a stream blueprint of `shape` (read from the mark each blueprint class
 * carries, as the DSL's own checks do); `hint` says how to make one.
 */
export function requireBlueprint(value: unknown, shape: BlueprintShape, what: string, hint: string): void {
  if ((value as { [BLUEPRINT_SHAPE]?: unknown } | null | undefined)?.[BLUEPRINT_SHAPE] !== shape) {
    throw new InvalidArgumentError(`${what} must be ${hint}, got ${kindOf(value)}`);
  }
}

/** Throws unless `value` is a function. */
export function requireFunction(value: unknown, what: string): void {
  if (typeof value !== "function")
    throw new InvalidArgumentError(`${what} must be a function, got ${kindOf(value)}`);
}

/** Throws unless `value` is undefined or an object (an options bag). */
export function requireOptions(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new InvalidArgumentError(`${what} must be an object of options, got ${kindOf(value)}`);
  }
}

/** Throws unless `value` is undefined or of the `typeof` kind `kind`. */
export function requireOptional(value: unknown, kind: "string" | "function" | "object", what: string): void {
  if (value !== undefined && (typeof value !== kind || value === null)) {
    throw new InvalidArgumentError(
      `${what} must be a${kind === "object" ? "n" : ""} ${kind}, got ${kindOf(value)}`,
    );
  }
}
