/**
 * Incremental UTF-8 validation (RFC 3629, Unicode Table 3-7), as RFC 6455 §8.1 requires for
 * text messages and close reasons. It fails at the first byte that cannot be part of a valid
 * sequence, so a bad text message is rejected mid-frame, and it carries its state across
 * chunks and fragments.
 *
 * Rejected: stray continuation bytes, C0/C1 and F5-FF lead bytes, overlong forms (E0 80-9F,
 * F0 80-8F), surrogates (ED A0-BF) and code points above U+10FFFF (F4 90-BF); a sequence still
 * open at the end of the message is rejected by {@link Utf8Validator.end}.
 */

/**
 * A whole-buffer validity check, typically native (`isUtf8` from `node:buffer`, SIMD-accelerated).
 * The codec imports nothing, so the I/O layers inject it; without one, the JS state machine runs.
 */
export type BulkUtf8Check = (bytes: Uint8Array) => boolean;

/** Below this size a native call costs more than the JS loop. */
const BULK_MIN_LENGTH = 64;

/** Validates a stream of UTF-8 chunks. Reusable: call {@link Utf8Validator.reset} between messages. */
export class Utf8Validator {
  /** @param bulk - optional accelerator for long chunks; results are identical with or without it. */
  constructor(private readonly bulk?: BulkUtf8Check) {}

  /** Continuation bytes still expected by the open sequence. */
  private needed = 0;
  /** Bounds for the next continuation byte (they narrow only for the second byte of a sequence). */
  private lower = 0x80;
  private upper = 0xbf;

  /** Forgets any open sequence. */
  reset(): void {
    this.needed = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  /** Whether a sequence is open (the bytes so far end inside a code point). */
  get incomplete(): boolean {
    return this.needed !== 0;
  }

  /**
   * Feeds `bytes`; returns the index of the first invalid byte, or -1 if all are valid so far.
   * After a failure the validator's state is undefined until {@link reset}.
   */
  feed(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const bulk = this.bulk;
    if (bulk !== undefined && this.needed === 0 && end - start >= BULK_MIN_LENGTH) {
      // Common case first: the whole chunk is valid and ends on a code point boundary.
      if (start === 0 && end === bytes.length ? bulk(bytes) : bulk(bytes.subarray(start, end))) return -1;
      // Else check natively up to the last lead byte; only the open tail needs the state machine.
      const cut = boundaryIndex(bytes, start, end);
      if (cut < end && bulk(bytes.subarray(start, cut))) start = cut;
      // On failure fall through: the JS loop finds the exact index of the first bad byte.
    }
    let needed = this.needed;
    let lower = this.lower;
    let upper = this.upper;
    let i = start;
    while (i < end) {
      if (needed === 0) {
        // ASCII fast path: most text is ASCII; skip it without touching the state.
        while (i < end && bytes[i]! < 0x80) i++;
        if (i === end) break;
        const b = bytes[i]!;
        if (b < 0xc2 || b > 0xf4) return this.failAt(i);
        if (b < 0xe0) {
          needed = 1;
        } else if (b < 0xf0) {
          needed = 2;
          if (b === 0xe0) lower = 0xa0;
          else if (b === 0xed) upper = 0x9f;
        } else {
          needed = 3;
          if (b === 0xf0) lower = 0x90;
          else if (b === 0xf4) upper = 0x8f;
        }
        i++;
        continue;
      }
      const b = bytes[i]!;
      if (b < lower || b > upper) return this.failAt(i);
      lower = 0x80;
      upper = 0xbf;
      needed--;
      i++;
    }
    this.needed = needed;
    this.lower = lower;
    this.upper = upper;
    return -1;
  }

  /**
   * Checks `bytes` as a complete message on its own (nothing open before it, nothing may stay
   * open after it): a long one in a single native call, without the chunk bookkeeping of
   * {@link feed} and {@link end}. Leaves the validator reset, as if {@link end} had been called.
   */
  validateWhole(bytes: Uint8Array): boolean {
    const bulk = this.bulk;
    if (bulk !== undefined && bytes.length >= BULK_MIN_LENGTH && this.needed === 0) return bulk(bytes);
    this.reset();
    return this.feed(bytes) === -1 && this.end();
  }

  /** Ends the message: false if a sequence was left open (truncated code point). */
  end(): boolean {
    // With no sequence open the bounds are already the defaults: nothing to reset.
    if (this.needed === 0) return true;
    this.reset();
    return false;
  }

  private failAt(index: number): number {
    this.reset();
    return index;
  }
}

const shared = new Utf8Validator();

/** One-shot check of a complete UTF-8 byte sequence, with `bulk` as the accelerator if given. */
export function isValidUtf8(bytes: Uint8Array, bulk?: BulkUtf8Check): boolean {
  if (bulk !== undefined && bytes.length >= BULK_MIN_LENGTH) return bulk(bytes);
  return shared.validateWhole(bytes);
}

/**
 * The length of the longest prefix of `bytes` that ends on a code point boundary, assuming the
 * bytes are valid UTF-8 so far. Used to cut text chunks without splitting a code point.
 */
export function utf8BoundaryLength(bytes: Uint8Array): number {
  return boundaryIndex(bytes, 0, bytes.length);
}

/** Bytes of the sequence that starts with `lead` (1 for ASCII; assumes a valid lead byte). */
export function utf8SequenceLength(lead: number): number {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/** The index in `start..end` after the last complete code point (see {@link utf8BoundaryLength}). */
function boundaryIndex(bytes: Uint8Array, start: number, end: number): number {
  // Walk back over at most three continuation bytes to the lead byte of the last sequence.
  for (let back = 1; back <= 4 && back <= end - start; back++) {
    const b = bytes[end - back]!;
    if ((b & 0xc0) === 0x80) continue;
    return utf8SequenceLength(b) <= back ? end : end - back;
  }
  return end;
}
