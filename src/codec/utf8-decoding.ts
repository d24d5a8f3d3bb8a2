/**
 * UTF-8 to string for text messages and close reasons, whose bytes the protocol has already
 * validated (RFC 6455 §8.1), so decoding never meets an invalid sequence.
 *
 * Every decode is a whole-buffer call on one shared `TextDecoder` that is never used in stream
 * mode: on Node 20 a decoder that has once decoded with `{ stream: true }` leaves its fast path
 * for good, and every later call on it goes through ICU (measured: 32 B 76 -> 150 ns, 64 KiB of
 * ASCII 9 -> 76 µs; a streamed piece costs the same). A message that arrives in pieces is cut
 * at code point boundaries instead (see {@link Utf8ChunkDecoder}).
 *
 * A U+FEFF is kept wherever it is: it is a character the peer sent (ZERO WIDTH NO-BREAK SPACE),
 * and dropping a leading one, as `TextDecoder` does by default, would change the message (ws and
 * Akka HTTP keep it too).
 */
import { utf8BoundaryLength, utf8SequenceLength } from "./utf8-validator.js";

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The text of validated UTF-8 `bytes`. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes a text message whose bytes arrive in pieces: each {@link decode} returns the code points
 * completed so far, and the one to three bytes of a code point cut by a chunk boundary wait for
 * the next chunk. Chunks are only read during the call (they may be views of reused memory).
 */
export class Utf8ChunkDecoder {
  /** The start of a code point the last chunk cut short (a copy, 1-3 bytes). */
  private carry: Uint8Array | undefined = undefined;

  decode(chunk: Uint8Array): string {
    let head = "";
    let rest = chunk;
    const carry = this.carry;
    if (carry !== undefined) {
      const needed = utf8SequenceLength(carry[0]!) - carry.length;
      if (chunk.length < needed) {
        this.carry = join(carry, chunk);
        return "";
      }
      this.carry = undefined;
      head = decoder.decode(join(carry, chunk.subarray(0, needed)));
      rest = chunk.subarray(needed);
    }
    const complete = utf8BoundaryLength(rest);
    // A copy made by the constructor: `slice` of a Node Buffer would be a view of the chunk.
    if (complete < rest.length) this.carry = new Uint8Array(rest.subarray(complete));
    if (complete === 0) return head;
    const body = decoder.decode(complete === rest.length ? rest : rest.subarray(0, complete));
    return head === "" ? body : head + body;
  }

  /**
   * Ends the message: what is still carried is a truncated code point (the protocol rejects such
   * a message with 1007 before this is reached); it decodes to U+FFFD, as `TextDecoder` would.
   */
  end(): string {
    const carry = this.carry;
    this.carry = undefined;
    return carry === undefined ? "" : decoder.decode(carry);
  }
}
