/**
 * The handshake keys (RFC 6455 §1.3, §4.1): a fresh random 16-byte nonce sent as
 * `Sec-WebSocket-Key`, and the `Sec-WebSocket-Accept` the server must derive from it.
 */
import { base64Encode } from "./base64.js";
import { sha1 } from "./sha1.js";

/** The GUID appended to the key (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Fills a buffer with random bytes. */
export type RandomBytes = (target: Uint8Array) => void;

/** Strong random bytes from a 4 KiB pool, refilled by `crypto.getRandomValues` (one call per 256 keys). */
const pool = new Uint8Array(4096);
let poolNext = pool.length;
const strongRandom: RandomBytes = (target) => {
  if (target.length > pool.length) return void globalThis.crypto.getRandomValues(target);
  if (poolNext + target.length > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolNext = 0;
  }
  target.set(pool.subarray(poolNext, poolNext + target.length));
  // Each byte is used once.
  pool.fill(0, poolNext, poolNext + target.length);
  poolNext += target.length;
};

/** A new `Sec-WebSocket-Key`: 16 random bytes from a strong source, base64-encoded. */
export function generateWebSocketKey(random: RandomBytes = strongRandom): string {
  const nonce = new Uint8Array(16);
  random(nonce);
  return base64Encode(nonce);
}

/** One encoder for all handshakes: making one costs ~10 µs, more than the whole SHA-1. */
const encoder = new TextEncoder();

/** `base64(SHA-1(key + GUID))`, the expected `Sec-WebSocket-Accept` for `key`. */
export function computeAcceptKey(key: string): string {
  return base64Encode(sha1(encoder.encode(key + WEBSOCKET_GUID)));
}
