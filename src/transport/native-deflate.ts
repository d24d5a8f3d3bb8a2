/**
 * Raw DEFLATE from node:zlib, one message at a time, for permessage-deflate (`DeflateFunctions`
 * of the extensions layer). node:zlib is loaded at the first compressed connection, not when the
 * package is imported: most connections never negotiate compression.
 */
import { createRequire } from "node:module";
import type * as Zlib from "node:zlib";

/** zlib refuses a larger `maxOutputLength` (Node's largest buffer); a larger maxMessageSize means no limit but it. */
const MAX_OUTPUT = 2 ** 31 - 1;

let zlibModule: typeof Zlib | undefined;
function zlib(): typeof Zlib {
  zlibModule ??= createRequire(import.meta.url)("node:zlib") as typeof Zlib;
  return zlibModule;
}

/**
 * Compresses `data` at `level` (zlib's default when undefined), ending with a sync flush
 * (00 00 FF FF), as RFC 7692 §7.2.1 builds on. The window is no larger than the message (9 bits up
 * to `maxWindowBits`): zlib sets up less state per call, ~15% of a 1 KiB message's time, and a
 * smaller window than the peer allows is always valid.
 */
export function nativeDeflate(data: Uint8Array, maxWindowBits = 15, level?: number): Uint8Array {
  const z = zlib();
  const windowBits = Math.max(9, Math.min(maxWindowBits, Math.ceil(Math.log2(data.length + 1))));
  return z.deflateRawSync(data, {
    finishFlush: z.constants.Z_SYNC_FLUSH,
    windowBits,
    ...(level !== undefined ? { level } : {}),
  });
}

/**
 * Decompresses raw DEFLATE ended by a sync flush, after `dictionary` if given. zlib stops at
 * `maxLength` bytes of output (`maxOutputLength`), so a small message that inflates to gigabytes
 * costs no more than the limit.
 */
export function nativeInflate(
  data: Uint8Array,
  maxLength: number,
  dictionary?: Uint8Array,
): Uint8Array | "too-big" | "invalid" {
  const z = zlib();
  try {
    return z.inflateRawSync(data, {
      finishFlush: z.constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.min(maxLength, MAX_OUTPUT),
      ...(dictionary !== undefined ? { dictionary } : {}),
    });
  } catch (error) {
    return (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" ? "too-big" : "invalid";
  }
}

/** "wsflow probe" as raw DEFLATE whose one back-reference reaches into the dictionary "wsflow probe". */
const PROBE = new Uint8Array([0x2a, 0x47, 0x62, 0x03, 0x00, 0x00, 0x00, 0xff, 0xff]);
const PROBE_TEXT = "wsflow probe";

let dictionarySupport: boolean | undefined;
/**
 * Whether this platform's zlib honours a dictionary for raw inflate: Node's and Bun's do, Deno's
 * ignores it (the probe then fails as a reference beyond the start). Tried once, on first need.
 */
export function nativeInflatesWithDictionary(): boolean {
  if (dictionarySupport === undefined) {
    const dictionary = new TextEncoder().encode(PROBE_TEXT);
    const out = nativeInflate(PROBE, 64, dictionary);
    dictionarySupport = typeof out !== "string" && new TextDecoder().decode(out) === PROBE_TEXT;
  }
  return dictionarySupport;
}
