/**
 * The server side of the opening handshake (RFC 6455 §4.2): validating a client's upgrade
 * request and rendering the 101 or a rejection. Pure: the I/O layer hands in the parsed request.
 */

import { concatBytes, InvalidArgumentError } from "../codec/index.js";
import { computeAcceptKey } from "./accept-key.js";
import { base64Decode } from "./base64.js";
import { headerListHasToken, isToken, requireWritableHeader, splitHeaderList } from "./header-syntax.js";
import type { HttpHeaders } from "./http-headers.js";
import { headBytes } from "./request-head.js";

/** The parts of an HTTP request the handshake looks at. */
export interface UpgradeRequestHead {
  readonly method: string;
  /** "1.1", "1.0" … */
  readonly httpVersion: string;
  readonly headers: HttpHeaders;
}

/** A valid upgrade request: its key and what it offers. */
export interface AcceptableUpgrade {
  readonly valid: true;
  readonly key: string;
  readonly subprotocols: readonly string[];
}

/** An invalid one: the status to answer with (400, or 426 for another version) and why. */
export interface RejectedUpgrade {
  readonly valid: false;
  readonly status: 400 | 426;
  readonly reason: string;
  /** Headers the rejection must carry (426: `Sec-WebSocket-Version: 13`). */
  readonly headers: readonly (readonly [string, string])[];
}

/** Checks a client's request per RFC 6455 §4.2.1. */
export function validateUpgradeRequest(request: UpgradeRequestHead): AcceptableUpgrade | RejectedUpgrade {
  const reject = (status: 400 | 426, reason: string, headers: [string, string][] = []): RejectedUpgrade => ({
    valid: false,
    status,
    reason,
    headers,
  });
  const { headers } = request;
  if (request.method !== "GET")
    return reject(400, `method ${request.method}: a WebSocket upgrade must be GET`);
  const [major = 0, minor = 0] = request.httpVersion.split(".").map(Number);
  if (major < 1 || (major === 1 && minor < 1))
    return reject(400, `HTTP/${request.httpVersion}: HTTP/1.1 or later needed`);
  const upgrade = headers.get("upgrade");
  if (upgrade === undefined || !headerListHasToken(upgrade, "websocket")) {
    return reject(400, 'the Upgrade header must contain "websocket"');
  }
  const connection = headers.get("connection");
  if (connection === undefined || !headerListHasToken(connection, "upgrade")) {
    return reject(400, 'the Connection header must contain "Upgrade"');
  }
  const version = headers.get("sec-websocket-version")?.trim();
  if (version !== "13") {
    return reject(426, `Sec-WebSocket-Version ${version ?? "missing"}: only 13 is supported`, [
      ["Sec-WebSocket-Version", "13"],
    ]);
  }
  const keys = headers.getAll("sec-websocket-key");
  const key = keys[0]?.trim() ?? "";
  if (keys.length !== 1 || base64Decode(key)?.length !== 16) {
    return reject(400, "Sec-WebSocket-Key must be 16 bytes in base64");
  }
  const subprotocols = headers.getAll("sec-websocket-protocol").flatMap(splitHeaderList);
  if (!subprotocols.every(isToken)) return reject(400, "malformed Sec-WebSocket-Protocol");
  return { valid: true, key, subprotocols };
}

/** Headers of a rejection the server writes itself: the response's framing and its body are its own. */
const RESERVED_REJECTION_HEADERS = new Set([
  "connection",
  "content-length",
  "transfer-encoding",
  "content-type",
]);

/**
 * Throws {@link InvalidArgumentError} unless the application's rejection can be sent as it is: a
 * status from 300 to 599 (a redirect or an error; 1xx and 2xx would not be a rejection), headers
 * that are tokens with values free of control characters (no header injection), none of those
 * the server writes itself.
 */
export function validateRejection(status: number, headers: readonly (readonly [string, string])[]): void {
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new InvalidArgumentError(`a rejection's status must be an integer from 300 to 599, got ${status}`);
  }
  for (const [name, value] of headers) {
    requireWritableHeader(name, value);
    if (RESERVED_REJECTION_HEADERS.has(name.toLowerCase())) {
      throw new InvalidArgumentError(
        `header ${name} may not be set on a rejection: the server writes it (the body is the reason, as text)`,
        "WS_ERR_RESERVED_HEADER",
      );
    }
  }
}

/** The 101 response accepting `key`, with the chosen subprotocol (one of those offered) and extra headers. */
export function renderUpgradeResponse(
  key: string,
  subprotocol: string | undefined,
  extraHeaders: readonly (readonly [string, string])[] = [],
): string {
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${computeAcceptKey(key)}`,
  ];
  if (subprotocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
  for (const [name, value] of extraHeaders) {
    requireWritableHeader(name, value);
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * A complete non-101 response (the connection is closed after it), as bytes: the head one byte
 * per character (header values may hold Latin-1), the body in UTF-8.
 */
export function renderRejection(
  status: number,
  reason: string,
  headers: readonly (readonly [string, string])[] = [],
  body = reason,
): Uint8Array {
  const bodyBytes = new TextEncoder().encode(body);
  const lines = [
    `HTTP/1.1 ${status} ${statusText(status)}`,
    "Connection: close",
    "Content-Type: text/plain; charset=utf-8",
  ];
  lines.push(`Content-Length: ${bodyBytes.length}`);
  for (const [name, value] of headers) {
    requireWritableHeader(name, value);
    lines.push(`${name}: ${value}`);
  }
  return concatBytes([headBytes(`${lines.join("\r\n")}\r\n\r\n`), bodyBytes]);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Error";
}
