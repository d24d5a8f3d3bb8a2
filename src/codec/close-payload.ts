/**
 * Close frame payloads (RFC 6455 §5.5.1, §7.1.5, §7.1.6): an optional 2-byte code, then an
 * optional UTF-8 reason, 125 bytes in all.
 */
import { CloseCode, isValidWireCloseCode } from "./close-code.js";
import { InvalidArgumentError, type ProtocolViolation, violation } from "./errors.js";
import { decodeUtf8 } from "./utf8-decoding.js";
import { isValidUtf8 } from "./utf8-validator.js";

/** A control frame payload may carry at most 125 bytes (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
/** The reason's limit: 125 minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

/** A parsed close payload. An empty payload reads as code 1005 ("no status received"). */
export interface ClosePayload {
  readonly code: number;
  readonly reason: string;
}

const encoder = new TextEncoder();

/** Parses a received Close payload; a violation if it is malformed (1002) or its reason is not UTF-8 (1007). */
export function parseClosePayload(payload: Uint8Array): ClosePayload | ProtocolViolation {
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: "" };
  if (payload.length === 1) {
    return violation("WS_ERR_INVALID_CLOSE_PAYLOAD", 1002, "RFC 6455 §5.5.1", "close payload of one byte");
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidWireCloseCode(code)) {
    return violation("WS_ERR_INVALID_CLOSE_CODE", 1002, "RFC 6455 §7.4", `invalid close code ${code}`);
  }
  const reasonBytes = payload.subarray(2);
  if (!isValidUtf8(reasonBytes)) {
    return violation("WS_ERR_INVALID_UTF8", 1007, "RFC 6455 §5.5.1", "close reason is not valid UTF-8");
  }
  return { code, reason: decodeUtf8(reasonBytes) };
}

/**
 * Checks a code and reason the application wants to send; throws {@link InvalidArgumentError}
 * for a code that may not go on the wire or a reason over 123 bytes. Returns the encoded reason.
 */
export function validateOutgoingClose(code: number, reason = ""): Uint8Array {
  if (!isValidWireCloseCode(code)) {
    throw new InvalidArgumentError(
      `close code ${code} may not be sent: use 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)`,
      "WS_ERR_INVALID_CLOSE_CODE",
    );
  }
  const reasonBytes = encoder.encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new InvalidArgumentError(
      `close reason is ${reasonBytes.length} bytes of UTF-8; at most ${MAX_CLOSE_REASON_BYTES} fit (RFC 6455 §5.5)`,
      "WS_ERR_CLOSE_REASON_TOO_LONG",
    );
  }
  return reasonBytes;
}

/**
 * Cuts `reason` to the {@link MAX_CLOSE_REASON_BYTES} bytes of UTF-8 a Close frame can carry,
 * on a code point boundary: for reasons we make ourselves (an error's message), where a long one
 * must not turn a clean close into an argument error.
 */
export function truncateCloseReason(reason: string): string {
  // Three bytes per UTF-16 unit at most: short strings need no encoding.
  if (reason.length * 3 <= MAX_CLOSE_REASON_BYTES) return reason;
  const bytes = encoder.encode(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return reason;
  let end = MAX_CLOSE_REASON_BYTES;
  // Back off to the start of the code point the cut would split (continuation bytes are 10xxxxxx).
  while ((bytes[end]! & 0xc0) === 0x80) end--;
  return decodeUtf8(bytes.subarray(0, end));
}

/**
 * Encodes a Close payload. `code` undefined gives the empty payload (no code, no reason).
 * Throws {@link InvalidArgumentError} for an invalid code or an over-long reason.
 */
export function encodeClosePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new InvalidArgumentError("a close reason needs a close code");
    return new Uint8Array(0);
  }
  const reasonBytes = validateOutgoingClose(code, reason);
  const out = new Uint8Array(2 + reasonBytes.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(reasonBytes, 2);
  return out;
}
