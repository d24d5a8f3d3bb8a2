/**
 * An HTTP/1.1 request head as a server reads it (RFC 9112 §3, §5), for a server that gets its
 * bytes without Node's http parser (the in-memory transport): the request line and the header
 * lines, strictly. What it returns feeds `validateUpgradeRequest`.
 */
import { isToken, isValidHeaderValue } from "./header-syntax.js";

/** A parsed request head. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent, e.g. "/chat?room=1". */
  readonly target: string;
  /** "1.1" for HTTP/1.1. */
  readonly httpVersion: string;
  /** Header names and values, in order, as received (names not lower-cased). */
  readonly headers: readonly (readonly [string, string])[];
}

const END = "\r\n\r\n";
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;

/** Where the head ends in `bytes` (the index just past its blank line), or -1 while it is incomplete. */
export function requestHeadEnd(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(0x0d); i !== -1 && i + 3 < bytes.length; i = bytes.indexOf(0x0d, i + 1)) {
    if (bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i + 4;
  }
  return -1;
}

/**
 * A head's bytes as text, one character per byte (ISO-8859-1). Not `TextDecoder("latin1")`: by the
 * WHATWG encoding standard that is windows-1252, which Bun and Deno follow (0x80 becomes U+20AC).
 */
export function headText(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 4096)
    text += String.fromCharCode(...bytes.subarray(at, Math.min(at + 4096, bytes.length)));
  return text;
}

/**
 * The bytes of an HTTP head written as text, one byte per character (ISO-8859-1; callers have
 * checked that no character is above U+00FF): `TextEncoder` would write U+0080-U+00FF as two bytes.
 */
export function headBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * Parses a complete head (up to and including its blank line, as {@link headText}), or returns the reason
 * it is malformed: a bad request line, a header line without a colon or with a name that is not a
 * token, obs-fold (a line starting with a space or tab, RFC 9112 §5.2), a control character in a
 * value.
 */
export function parseRequestHead(head: string): RequestHead | { readonly error: string } {
  const lines = head.slice(0, head.length - END.length).split("\r\n");
  const requestLine = REQUEST_LINE.exec(lines[0]!);
  if (requestLine === null || !isToken(requestLine[1]!))
    return { error: `malformed request line ${JSON.stringify(lines[0]!.slice(0, 100))}` };
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith(" ") || line.startsWith("\t")) return { error: "obsolete line folding in the head" };
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!isToken(name)) return { error: `malformed header line ${JSON.stringify(line.slice(0, 100))}` };
    if (!isValidHeaderValue(value)) return { error: `a control character in header ${name}` };
    headers.push([name, value]);
  }
  return {
    method: requestLine[1]!,
    target: requestLine[2]!,
    httpVersion: `${requestLine[3]}.${requestLine[4]}`,
    headers,
  };
}
