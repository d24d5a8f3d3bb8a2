/**
 * Frame encoding (RFC 6455 §5.2): the minimal length form, FIN, RSV1-3, and the mask.
 *
 * Masked frames (client to server) are built in one buffer, masking while copying so the
 * payload is read once and the caller's bytes are never modified. Unmasked frames (server to
 * client) are a gather list `[header, payload]` so the payload is never copied.
 */
import { type ByteAllocator, defaultAllocator } from "./byte-allocator.js";
import { InvalidArgumentError } from "./errors.js";
import {
  FIN_BIT,
  headerLength,
  LENGTH_16,
  LENGTH_64,
  MASK_BIT,
  RSV1_BIT,
  RSV2_BIT,
  RSV3_BIT,
} from "./frame-header.js";
import { maskInto, WORD_LOOP_MIN } from "./masking.js";
import { isControlOpcode, isDefinedOpcode } from "./opcode.js";

/** What a frame carries besides its payload. */
export interface FrameOptions {
  /** Final fragment of the message (default true). */
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  readonly rsv2?: boolean;
  readonly rsv3?: boolean;
}

/** The longest payload a 64-bit length can carry in a JavaScript number without loss. */
const MAX_PAYLOAD = Number.MAX_SAFE_INTEGER;

function checkFrame(opcode: number, payloadLength: number, fin: boolean): void {
  if (!isDefinedOpcode(opcode))
    throw new InvalidArgumentError(`opcode ${opcode} is reserved (RFC 6455 §5.2)`);
  if (isControlOpcode(opcode) && (payloadLength > 125 || !fin)) {
    throw new InvalidArgumentError(
      "a control frame must be final and carry at most 125 bytes (RFC 6455 §5.5)",
    );
  }
  if (payloadLength > MAX_PAYLOAD)
    throw new InvalidArgumentError(`payload of ${payloadLength} bytes is too long`);
}

/**
 * Writes a header into `target` at `offset` and returns the offset after it. `maskKey` of
 * `undefined` means unmasked.
 */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  payloadLength: number,
  options: FrameOptions,
  maskKey: number | undefined,
): number {
  let b0 = opcode;
  if (options.fin !== false) b0 |= FIN_BIT;
  if (options.rsv1) b0 |= RSV1_BIT;
  if (options.rsv2) b0 |= RSV2_BIT;
  if (options.rsv3) b0 |= RSV3_BIT;
  const maskBit = maskKey === undefined ? 0 : MASK_BIT;
  target[offset] = b0;
  if (payloadLength < LENGTH_16) {
    target[offset + 1] = maskBit | payloadLength;
    offset += 2;
  } else if (payloadLength <= 0xffff) {
    target[offset + 1] = maskBit | LENGTH_16;
    target[offset + 2] = payloadLength >>> 8;
    target[offset + 3] = payloadLength & 0xff;
    offset += 4;
  } else {
    target[offset + 1] = maskBit | LENGTH_64;
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    target[offset + 2] = 0;
    target[offset + 3] = 0;
    target[offset + 4] = (high >>> 8) & 0xff;
    target[offset + 5] = high & 0xff;
    target[offset + 6] = low >>> 24;
    target[offset + 7] = (low >>> 16) & 0xff;
    target[offset + 8] = (low >>> 8) & 0xff;
    target[offset + 9] = low & 0xff;
    offset += 10;
  }
  if (maskKey !== undefined) {
    target[offset] = maskKey & 0xff;
    target[offset + 1] = (maskKey >>> 8) & 0xff;
    target[offset + 2] = (maskKey >>> 16) & 0xff;
    target[offset + 3] = maskKey >>> 24;
    offset += 4;
  }
  return offset;
}

/** The header of an unmasked frame; send it followed by the payload itself. */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  options: FrameOptions = {},
): Uint8Array {
  checkFrame(opcode, payloadLength, options.fin !== false);
  const header = new Uint8Array(headerLength(payloadLength, false));
  writeFrameHeader(header, 0, opcode, payloadLength, options, undefined);
  return header;
}

/**
 * A complete masked frame in one buffer from `allocate`, masked while copied. A large payload starts at a 4-byte
 * aligned offset of a fresh buffer so the word-wise mask loop applies when the source is aligned too.
 */
export function encodeMaskedFrame(
  opcode: number,
  payload: Uint8Array,
  maskKey: number,
  options: FrameOptions = {},
  allocate: ByteAllocator = defaultAllocator,
): Uint8Array {
  const length = payload.length;
  checkFrame(opcode, length, options.fin !== false);
  const hLen = headerLength(length, true);
  // Large payloads start 4-byte aligned so the word loop applies; small ones skip the extra view.
  const pad = length < WORD_LOOP_MIN ? 0 : (4 - (hLen & 3)) & 3;
  const buffer = allocate(pad + hLen + length);
  writeFrameHeader(buffer, pad, opcode, length, options, maskKey);
  if (length > 0) maskInto(payload, buffer, pad + hLen, maskKey);
  return pad === 0 ? buffer : buffer.subarray(pad);
}

/** A complete unmasked frame as a gather list: `[header, payload]` (the payload is not copied). */
export function encodeUnmaskedFrame(
  opcode: number,
  payload: Uint8Array,
  options: FrameOptions = {},
): Uint8Array[] {
  const header = encodeFrameHeader(opcode, payload.length, options);
  return payload.length === 0 ? [header] : [header, payload];
}
