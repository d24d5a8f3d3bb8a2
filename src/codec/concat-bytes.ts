/** Joining byte chunks, for every layer that gathers pieces of one payload. */

/** Joins byte chunks; a single chunk is returned as is. */
export function concatBytes(
  parts: readonly Uint8Array[],
  total = parts.reduce((n, p) => n + p.length, 0),
  allocate: (n: number) => Uint8Array = (n) => new Uint8Array(n),
): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = allocate(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
