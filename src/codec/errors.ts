/**
 * The error hierarchy shared by every layer. It lives in the codec, the lowest layer, so that
 * every layer above may throw and recognise the same classes.
 *
 * ```
 * WebSocketError (code: a stable "WS_ERR_*" string, cause?)
 *   InvalidArgumentError   the application passed a bad value; thrown at once, nothing sent
 *   InvalidStateError      the application did something the connection's state forbids
 *   ProtocolError          the peer broke RFC 6455; carries the close code we sent (1002, 1007, 1009, 1010)
 * ```
 * Higher layers add handshake, connection and close errors as subclasses of `WebSocketError`.
 * Match on `code` and `closeCode`, never on message text.
 */

/** A close code that we send when the peer breaks the protocol. */
export type ViolationCloseCode = 1002 | 1007 | 1009 | 1010 | 1011;

/**
 * A protocol violation by the peer, reported as a value (never thrown by the pure layers):
 * which rule was broken, and the close code to fail the connection with.
 */
export interface ProtocolViolation {
  /** Stable identifier, e.g. `WS_ERR_INVALID_OPCODE`. */
  readonly code: string;
  /** The close code to send (RFC 6455 §7.4.1). */
  readonly closeCode: ViolationCloseCode;
  /** The rule broken, e.g. `RFC 6455 §5.2`. */
  readonly rule: string;
  /** A sentence for people. */
  readonly message: string;
}

/** Builds a {@link ProtocolViolation}. */
export function violation(
  code: string,
  closeCode: ViolationCloseCode,
  rule: string,
  message: string,
): ProtocolViolation {
  return { code, closeCode, rule, message };
}

/** Base class of every error wsflow throws or rejects with. */
export class WebSocketError extends Error {
  /** Stable identifier, e.g. `WS_ERR_INVALID_ARGUMENT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** The application passed a value that can never be valid (a bad header, close code or URL). */
export class InvalidArgumentError extends WebSocketError {
  constructor(message: string, code = "WS_ERR_INVALID_ARGUMENT") {
    super(code, message);
  }
}

/** The application asked for something the current state forbids (send after close, second run). */
export class InvalidStateError extends WebSocketError {
  constructor(message: string, code = "WS_ERR_INVALID_STATE") {
    super(code, message);
  }
}

/** The peer broke the protocol; the connection was failed with {@link ProtocolError.closeCode}. */
export class ProtocolError extends WebSocketError {
  /** The close code sent to the peer. */
  readonly closeCode: ViolationCloseCode;
  /** The rule broken, e.g. `RFC 6455 §5.2`. */
  readonly rule: string;

  constructor(v: ProtocolViolation) {
    super(v.code, `${v.message} (${v.rule}; closed with ${v.closeCode})`);
    this.closeCode = v.closeCode;
    this.rule = v.rule;
  }

  /** The exception form of a reported violation. */
  static from(v: ProtocolViolation): ProtocolError {
    if (v.closeCode === 1009) return new PayloadTooBigError(v);
    if (v.closeCode === 1007) return new InvalidUtf8Error(v);
    return new ProtocolError(v);
  }
}

/** A frame or message exceeded a configured size limit (close code 1009). */
export class PayloadTooBigError extends ProtocolError {}

/** A text message or close reason was not valid UTF-8 (close code 1007). */
export class InvalidUtf8Error extends ProtocolError {}
