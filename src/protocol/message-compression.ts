/**
 * A per-message compression extension as the connection state machine sees it (RFC 7692's
 * framework): a message whose first frame has RSV1 set is compressed as a whole; the protocol
 * gathers its payload and hands it here once complete, then checks and delivers what comes out.
 * The extension itself lives in `src/extensions/` (this layer may not import it).
 */
export interface MessageCompression {
  /**
   * A message's payload compressed (to send with RSV1 on its first frame), or undefined to send it
   * as it is (too small to gain, or it would not shrink).
   */
  compress(payload: Uint8Array): Uint8Array | undefined;
  /**
   * Decompresses one message's payload (all its frames, joined). "too-big": it would exceed
   * `maxLength` bytes (1009); "invalid": it is not valid compressed data (1007).
   */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array | "too-big" | "invalid";
}
