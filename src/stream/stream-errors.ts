/**
 * Errors of the stream layer. The stream layer imports nothing, so these do not extend the
 * WebSocket errors; like them, each carries a stable `code`.
 */

/** Base class of stream errors. */
export class StreamError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** A stage broke the port protocol (pushed without demand, pulled twice): a bug in that stage. */
export class IllegalStageStateError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_ILLEGAL_STATE", message);
  }
}

/** `idleTimeout`, `completionTimeout` and the like fired. */
export class StreamTimeoutError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_TIMEOUT", message);
  }
}

/** A buffer with the `fail` overflow strategy overflowed. */
export class BufferOverflowError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_BUFFER_OVERFLOW", message);
  }
}

/** `Sink.head()` / `Sink.last()` on a stream that completed empty. */
export class NoSuchElementError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_NO_SUCH_ELEMENT", message);
  }
}

/** A blueprint that can be materialized only once was materialized again. */
export class AlreadyMaterializedError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_ALREADY_MATERIALIZED", message);
  }
}

/** A stage was stopped before it could settle what it materialized. */
export class AbruptStageTerminationError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_ABRUPT_TERMINATION", message);
  }
}

/** An invalid argument to a DSL method (negative count, zero parallelism, a Sink where a Flow goes …). */
export class StreamArgumentError extends StreamError {
  constructor(message: string) {
    super("STREAM_ERR_INVALID_ARGUMENT", message);
  }
}

/** Throws {@link StreamArgumentError} unless `value` is an integer >= `min`. */
export function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new StreamArgumentError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}
