/**
 * The frame header (RFC 6455 §5.2) as decoded, and the bit layout shared by encoder and decoder.
 */

/** A decoded frame header. `maskKey` is in the packed form of `masking.ts`, 0 when unmasked. */
export interface FrameHeader {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskKey: number;
  readonly payloadLength: number;
}

/** Bits of the first header byte. */
export const FIN_BIT = 0x80;
export const RSV1_BIT = 0x40;
export const RSV2_BIT = 0x20;
export const RSV3_BIT = 0x10;
export const RSV_BITS = 0x70;
export const OPCODE_MASK = 0x0f;
/** Bits of the second header byte. */
export const MASK_BIT = 0x80;
export const LENGTH_MASK = 0x7f;

/** Length markers of the 7-bit field: the 16-bit and 64-bit extended forms follow. */
export const LENGTH_16 = 126;
export const LENGTH_64 = 127;

/** The longest header: 2 + 8 (64-bit length) + 4 (mask key). */
export const MAX_HEADER_LENGTH = 14;

/** The header length for a payload of `payloadLength` bytes, with or without a mask key. */
export function headerLength(payloadLength: number, masked: boolean): number {
  const base = payloadLength < LENGTH_16 ? 2 : payloadLength <= 0xffff ? 4 : 10;
  return masked ? base + 4 : base;
}
