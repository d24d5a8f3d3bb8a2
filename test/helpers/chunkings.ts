/** Ways to cut an input into chunks: every single split point, one byte at a time, and the whole. */

/** Copies, so that consumers that mutate (unmask in place) never see an already-touched input. */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.slice(start, end);
}

/** All chunkings worth trying for a short input: whole, every two-way split, byte by byte. */
export function* chunkings(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [copy(bytes, 0, bytes.length)];
  for (let at = 1; at < bytes.length; at++) yield [copy(bytes, 0, at), copy(bytes, at, bytes.length)];
  yield Array.from({ length: bytes.length }, (_, i) => copy(bytes, i, i + 1));
}

/** Cuts `bytes` at the given sorted positions. */
export function cutAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of positions) {
    if (p > start && p < bytes.length) {
      out.push(copy(bytes, start, p));
      start = p;
    }
  }
  out.push(copy(bytes, start, bytes.length));
  return out;
}

/**
 * `whole` cut at `offsets` (any order; each taken modulo `whole.length + 1`), as views for bytes and
 * slices for text. Unlike {@link cutAt}, a repeated offset or one at either end gives an empty piece:
 * what a message's fragments or a stream's chunks may be.
 */
export function piecesAt<T extends string | Uint8Array>(whole: T, offsets: readonly number[]): T[] {
  const cut = (from: number, to?: number) =>
    (typeof whole === "string" ? whole.slice(from, to) : whole.subarray(from, to)) as T;
  const sorted = offsets.map((o) => o % (whole.length + 1)).sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const at of sorted) {
    pieces.push(cut(from, at));
    from = at;
  }
  pieces.push(cut(from));
  return pieces;
}
