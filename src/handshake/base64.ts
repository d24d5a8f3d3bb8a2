/** Base64 (RFC 4648 §4) of bytes, over the `btoa` every runtime has. */
export function base64Encode(bytes: Uint8Array): string {
  // One binary string from the bytes at a time (every connection encodes its key and checks the
  // accept key; a string appended to per byte made ~1 KB of garbage per connection). Chunks keep
  // the argument list short for long inputs.
  let binary = "";
  for (let i = 0; i < bytes.length; i += APPLY_CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + APPLY_CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

const APPLY_CHUNK = 8192;

/** Decodes base64; undefined when `text` is not base64. */
export function base64Decode(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
