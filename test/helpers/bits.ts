/**
 * A bit-level template for frame bytes, so test vectors read like RFC 6455's diagrams:
 * bits`1000 0001 | 0 0000101` → [0x81, 0x05]. Only 0 and 1 count; anything else separates.
 */
export function bits(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ""), "");
  const digits = text.replace(/[^01]/g, "");
  if (digits.length % 8 !== 0) throw new Error(`bits: ${digits.length} bits is not a whole number of bytes`);
  const out = new Uint8Array(digits.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(i * 8, i * 8 + 8), 2);
  return out;
}

/** Bytes from hex, spaces ignored: hex("81 05") → [0x81, 0x05]. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
