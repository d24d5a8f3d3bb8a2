/**
 * SHA-1 (FIPS 180-4), synchronous and dependency-free. Only the accept key of the opening
 * handshake uses it (RFC 6455 §4.2.2), on 60-byte inputs; Web Crypto's digest is asynchronous
 * and `node:crypto` is off limits to this layer.
 */

/** The message schedule, reused (the function is synchronous, so never shared by two calls). */
const schedule = new Int32Array(80);
/** The padded message, reused and grown as needed (two blocks hold a handshake's 60 bytes). */
let padded = new Uint8Array(128);

/** The 20-byte SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Uint8Array {
  const length = data.length;
  const size = ((length + 9 + 63) >>> 6) << 6;
  if (padded.length < size) padded = new Uint8Array(size);
  const m = padded;
  m.set(data);
  m.fill(0, length, size);
  m[length] = 0x80;
  // The length in bits, big-endian, in the last 8 bytes (high word first).
  const high = Math.floor(length / 0x2000_0000);
  const low = (length * 8) >>> 0;
  m[size - 8] = high >>> 24;
  m[size - 7] = (high >>> 16) & 0xff;
  m[size - 6] = (high >>> 8) & 0xff;
  m[size - 5] = high & 0xff;
  m[size - 4] = low >>> 24;
  m[size - 3] = (low >>> 16) & 0xff;
  m[size - 2] = (low >>> 8) & 0xff;
  m[size - 1] = low & 0xff;

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = schedule;
  for (let block = 0; block < size; block += 64) {
    for (let t = 0; t < 16; t++) {
      const i = block + t * 4;
      w[t] = (m[i]! << 24) | (m[i + 1]! << 16) | (m[i + 2]! << 8) | m[i + 3]!;
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  writeWord(out, 0, h0);
  writeWord(out, 4, h1);
  writeWord(out, 8, h2);
  writeWord(out, 12, h3);
  writeWord(out, 16, h4);
  return out;
}

/** Big-endian, without a DataView (whose `.buffer` a small typed array would have to materialise). */
function writeWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word >>> 24;
  out[at + 1] = (word >>> 16) & 0xff;
  out[at + 2] = (word >>> 8) & 0xff;
  out[at + 3] = word & 0xff;
}
