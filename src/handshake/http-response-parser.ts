/**
 * Incremental HTTP/1.x response-head parser (RFC 9112 §2-§5) for the opening handshake, with
 * limits. It returns the bytes that followed the head in the same chunk: frames sent right
 * behind a 101 are never lost. Errors are returned as values; peer input never throws.
 */
import { HandshakeError, HandshakeLimitError, MalformedResponseError } from "./handshake-error.js";
import { isToken } from "./header-syntax.js";
import { HttpHeaders } from "./http-headers.js";

/** A parsed status line and header block. */
export interface ResponseHead {
  /** "1.1" or "1.0". */
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: HttpHeaders;
}

/** Bounds on what the parser accepts. */
export interface ResponseHeadLimits {
  /** Bytes of the whole head (status line, headers, blank line). Default 16 KiB. */
  readonly maxHeadSize?: number;
  /** Header lines. Default 100. */
  readonly maxHeaderCount?: number;
  /** Bytes of one line. Default 8 KiB. */
  readonly maxLineLength?: number;
}

/** The outcome of feeding a chunk. */
export type ResponseParseResult =
  | { readonly kind: "incomplete" }
  | { readonly kind: "complete"; readonly head: ResponseHead; readonly rest: Uint8Array }
  | { readonly kind: "error"; readonly error: HandshakeError };

const INCOMPLETE: ResponseParseResult = { kind: "incomplete" };
const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const LF = 0x0a;
const CR = 0x0d;

/** Default limits. */
export const DEFAULT_MAX_HEAD_SIZE = 16 * 1024;
export const DEFAULT_MAX_HEADER_COUNT = 100;
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024;

/**
 * Parses one response head; informational 1xx responses other than 101 are skipped. A head that
 * arrives in one chunk (nearly always) is parsed where it lies; only one split across chunks is
 * copied into a buffer of the parser's own.
 */
export class HttpResponseParser {
  /** The head's bytes from earlier chunks (made on the first split). */
  private buffer: Uint8Array | undefined = undefined;
  private buffered = 0;
  /** Bytes of the head seen so far, in all chunks. */
  private length = 0;
  private lineStart = 0;
  private lines = 0;
  /** The byte before the current one (a CR before an LF makes a CRLF). */
  private previous = 0;
  private result: ResponseParseResult = INCOMPLETE;
  private readonly maxHeadSize: number;
  private readonly maxHeaderCount: number;
  private readonly maxLineLength: number;

  constructor(limits: ResponseHeadLimits = {}) {
    this.maxHeadSize = limits.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE;
    this.maxHeaderCount = limits.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
    this.maxLineLength = limits.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Feeds a chunk. Once complete or failed, further input is ignored and the same result returned. */
  push(chunk: Uint8Array): ResponseParseResult {
    if (this.result.kind !== "incomplete") return this.result;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.length < HTTP_PREFIX.length && b !== HTTP_PREFIX[this.length]) {
        return this.finish(malformed("the response does not start with HTTP/: not an HTTP server"));
      }
      if (this.length === this.maxHeadSize) {
        return this.finish(
          new HandshakeLimitError(
            "WS_ERR_HEAD_TOO_LARGE",
            `response head exceeds ${this.maxHeadSize} bytes (maxHeadSize)`,
            "maxHeadSize",
          ),
        );
      }
      this.length++;
      const previous = this.previous;
      this.previous = b;
      if (b !== LF) {
        if (this.length - this.lineStart > this.maxLineLength) {
          return this.finish(
            new HandshakeLimitError(
              "WS_ERR_LINE_TOO_LONG",
              `a response line exceeds ${this.maxLineLength} bytes (maxLineLength)`,
              "maxLineLength",
            ),
          );
        }
        continue;
      }
      const lineLength = this.length - this.lineStart;
      const blank = lineLength === 1 || (lineLength === 2 && previous === CR);
      this.lineStart = this.length;
      if (!blank) {
        if (++this.lines > this.maxHeaderCount + 1) {
          return this.finish(
            new HandshakeLimitError(
              "WS_ERR_TOO_MANY_HEADERS",
              `response has more than ${this.maxHeaderCount} headers (maxHeaderCount)`,
              "maxHeaderCount",
            ),
          );
        }
        continue;
      }
      // The head ends here: in this chunk alone, or after the bytes buffered from earlier ones.
      const tail = chunk.subarray(0, i + 1);
      const head = parseHead(this.buffered === 0 ? tail : this.keep(tail));
      if (head instanceof HandshakeError) return this.finish(head);
      const rest = chunk.subarray(i + 1);
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        this.reset();
        return this.push(rest);
      }
      this.buffer = undefined;
      return this.finish({ kind: "complete", head, rest });
    }
    this.keep(chunk);
    return INCOMPLETE;
  }

  /** Appends `bytes` to the head's buffer; returns the head so far. */
  private keep(bytes: Uint8Array): Uint8Array {
    const needed = this.buffered + bytes.length;
    let buffer = this.buffer;
    if (buffer === undefined || buffer.length < needed) {
      const grown = new Uint8Array(Math.min(Math.max(needed, 2 * (buffer?.length ?? 256)), this.maxHeadSize));
      if (buffer !== undefined) grown.set(buffer.subarray(0, this.buffered));
      this.buffer = buffer = grown;
    }
    buffer.set(bytes, this.buffered);
    this.buffered = needed;
    return buffer.subarray(0, needed);
  }

  private reset(): void {
    this.buffered = 0;
    this.length = 0;
    this.lineStart = 0;
    this.lines = 0;
    this.previous = 0;
  }

  private finish(outcome: ResponseParseResult | HandshakeError): ResponseParseResult {
    this.result = outcome instanceof HandshakeError ? { kind: "error", error: outcome } : outcome;
    return this.result;
  }
}

function malformed(message: string): MalformedResponseError {
  return new MalformedResponseError(message);
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?$/;

function parseHead(bytes: Uint8Array): ResponseHead | HandshakeError {
  // Latin-1, one char per byte, in blocks (one call per 4 KiB, not one concatenation per byte).
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  const lines = text.split("\n");
  lines.pop(); // after the final LF
  lines.pop(); // the blank line
  const cleaned: string[] = [];
  /** Where each line starts in `bytes` (one byte per character). */
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    const body = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (body.includes("\r")) return malformed("bare CR in the response head");
    cleaned.push(body);
    starts.push(offset);
    offset += line.length + 1;
  }
  const match = STATUS_LINE.exec(cleaned[0] ?? "");
  if (!match) return malformed(`malformed status line ${JSON.stringify(cleaned[0] ?? "")}`);
  // Names and values alternating, as HttpHeaders keeps them: no array per header line.
  const headers: string[] = [];
  for (let n = 1; n < cleaned.length; n++) {
    const line = cleaned[n]!;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      return malformed("obsolete line folding in the response head (RFC 9112 §5.2)");
    }
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!isToken(name)) return malformed(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    // The value without the optional whitespace around it (RFC 9110 §5.5: spaces and tabs).
    let from = colon + 1;
    let to = line.length;
    while (from < to && isOws(line.charCodeAt(from))) from++;
    while (to > from && isOws(line.charCodeAt(to - 1))) to--;
    headers.push(intern(name), headerValue(line, from, to, bytes, starts[n]!));
  }
  return {
    httpVersion: match[1] === "1" ? "1.1" : "1.0",
    status: Number(match[2]),
    statusText: intern(match[3] ?? ""),
    headers: HttpHeaders.fromNamesAndValues(headers),
  };
}

/**
 * The words every upgrade response repeats, as shared strings: the response stays with the open
 * connection (`ValidUpgrade.response`), and a copy of "Upgrade" per connection adds up.
 */
const COMMON = new Map(
  [
    "Switching Protocols",
    "Upgrade",
    "upgrade",
    "websocket",
    "WebSocket",
    "Connection",
    "connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Date",
    "Server",
  ].map((word) => [word, word]),
);

function intern(text: string): string {
  return COMMON.get(text) ?? text;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * `line[from, to)` as a shared string for a common word, otherwise as a string of its own. In
 * V8 a slice of 13 or more characters shares its parent, so one header value (a 28-character
 * Sec-WebSocket-Accept) would keep the whole response head alive for the connection's life; a
 * longer value is decoded again from its bytes instead.
 */
function headerValue(line: string, from: number, to: number, bytes: Uint8Array, lineStart: number): string {
  const slice = line.slice(from, to);
  const common = COMMON.get(slice);
  if (common !== undefined) return common;
  if (to - from < 13) return slice;
  return String.fromCharCode.apply(
    null,
    bytes.subarray(lineStart + from, lineStart + to) as unknown as number[],
  );
}
