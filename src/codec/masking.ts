/**
 * Payload masking (RFC 6455 §5.3): XOR with a 4-byte key, any split of the payload allowed.
 *
 * Keys are handled as 32-bit integers whose bytes, in wire order, are `key >>> 0`, `key >>> 8`,
 * `key >>> 16`, `key >>> 24` (little-endian), so the word loop can XOR a `Uint32Array` view
 * directly on the little-endian machines JavaScript runs on. A big-endian host falls back to
 * the byte loop.
 */

import { simdMaskInto } from "./simd-masking.js";

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes the byte loop wins: a word view costs ~25 ns, and its `.buffer` must
 * first be materialised for typed arrays of 64 bytes or less, which V8 keeps on its heap
 * (~170 ns a view on Node 20).
 */
export const WORD_LOOP_MIN = 128;

/**
 * From this many bytes the WebAssembly SIMD kernel beats the word loop despite its two copies
 * (measured 2026-11-29: 1.2-2.2x from 128 B to 1 KiB; the two `Uint32Array` views alone cost
 * more than the copies). The word loop remains for hosts without WebAssembly.
 */
export const SIMD_MIN = 128;

/**
 * From this many bytes a frame is built in the frame arena (one copy, masked in place, no
 * allocation). Smaller ones are carved from slabs, cheap enough; and each arena frame costs
 * its transport a write callback.
 */
export const ARENA_MIN = 2048;

/** Packs four key bytes (wire order) into the integer form used here. */
export function packMaskKey(b0: number, b1: number, b2: number, b3: number): number {
  return (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
}

/** The key byte at wire position `i` (0-3). */
export function maskKeyByte(key: number, i: number): number {
  return (key >>> ((i & 3) << 3)) & 0xff;
}

/** The key as it applies to a payload position `offset` bytes into the frame. */
export function rotateMaskKey(key: number, offset: number): number {
  const shift = (offset & 3) << 3;
  return shift === 0 ? key : ((key >>> shift) | (key << (32 - shift))) >>> 0;
}

/**
 * XORs `data` in place with `key`, as if `data` started `offset` bytes into the frame payload.
 * Returns the offset after `data`, to carry across chunks.
 */
export function maskInPlace(data: Uint8Array, key: number, offset = 0): number {
  const length = data.length;
  let k = rotateMaskKey(key, offset);
  if (length < WORD_LOOP_MIN || !littleEndian) {
    xorBytes(data, data, 0, k);
    return (offset + length) & 3;
  }
  if (length >= SIMD_MIN && simdMaskInto(data, data, 0, k)) return (offset + length) & 3;
  let i = 0;
  // Lead bytes until the view is word-aligned; each byte consumed rotates the key by one.
  const misalignment = (data.byteOffset & 3) === 0 ? 0 : 4 - (data.byteOffset & 3);
  const lead = Math.min(misalignment, length);
  for (; i < lead; i++) {
    data[i]! ^= k & 0xff;
    k = ((k >>> 8) | (k << 24)) >>> 0;
  }
  const words = (length - i) >>> 2;
  if (words > 0) {
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const kw = k | 0;
    for (let w = 0; w < words; w++) view[w]! ^= kw;
    i += words << 2;
  }
  for (; i < length; i++) {
    data[i]! ^= k & 0xff;
    k = ((k >>> 8) | (k << 24)) >>> 0;
  }
  return (offset + length) & 3;
}

/**
 * Writes `source` XOR `key` into `target` at `targetOffset`, masking while copying so the
 * payload is read once. The source is not modified.
 */
export function maskInto(source: Uint8Array, target: Uint8Array, targetOffset: number, key: number): void {
  const length = source.length;
  if (length < WORD_LOOP_MIN || !littleEndian) {
    xorBytes(source, target, targetOffset, key);
    return;
  }
  if (length >= SIMD_MIN && simdMaskInto(source, target, targetOffset, key)) return;
  if (((source.byteOffset | (target.byteOffset + targetOffset)) & 3) !== 0) {
    // memcpy runs an order of magnitude faster than any JS loop, so copy then mask in place.
    target.set(source, targetOffset);
    maskInPlace(target.subarray(targetOffset, targetOffset + length), key, 0);
    return;
  }
  const words = length >>> 2;
  const src = new Uint32Array(source.buffer, source.byteOffset, words);
  const dst = new Uint32Array(target.buffer, target.byteOffset + targetOffset, words);
  const kw = key | 0;
  for (let w = 0; w < words; w++) dst[w] = src[w]! ^ kw;
  for (let i = words << 2; i < length; i++) target[targetOffset + i] = source[i]! ^ maskKeyByte(key, i);
}

/** `target[at + i] = source[i] ^ key byte (i mod 4)`, unrolled by four. Source and target may be the same. */
function xorBytes(source: Uint8Array, target: Uint8Array, at: number, key: number): void {
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  const n = source.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    target[at + i] = source[i]! ^ k0;
    target[at + i + 1] = source[i + 1]! ^ k1;
    target[at + i + 2] = source[i + 2]! ^ k2;
    target[at + i + 3] = source[i + 3]! ^ k3;
  }
  for (; i < n; i++) target[at + i] = source[i]! ^ maskKeyByte(key, i);
}
