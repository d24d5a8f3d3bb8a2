/**
 * The client's opening handshake request (RFC 6455 §4.1): rendered as bytes, after every
 * application-supplied header has been checked so that nothing malformed is ever sent.
 */
import { InvalidArgumentError } from "../codec/index.js";
import { isToken, isValidHeaderValue } from "./header-syntax.js";
import type { WebSocketUri } from "./websocket-uri.js";

/** Headers the handshake owns; an application may not set them. */
const RESERVED_HEADERS: ReadonlyMap<string, string> = new Map([
  ["upgrade", "the handshake sets it"],
  ["connection", "the handshake sets it"],
  ["sec-websocket-key", "the handshake generates a fresh key"],
  ["sec-websocket-version", "the handshake sets version 13"],
  ["sec-websocket-accept", "it is a response header"],
  ["sec-websocket-protocol", "use requestSubprotocol(...)"],
  ["sec-websocket-extensions", "extensions are negotiated by wsflow"],
]);

/** What goes into the upgrade request. */
export interface UpgradeRequestOptions {
  readonly uri: WebSocketUri;
  /** The `Sec-WebSocket-Key` (see `generateWebSocketKey`). */
  readonly key: string;
  readonly subprotocols?: readonly string[];
  /** A rendered `Sec-WebSocket-Extensions` offer. */
  readonly extensions?: string;
  readonly origin?: string;
  readonly userAgent?: string;
  /** Further headers, in order; a `Host` here replaces the one derived from the URI. */
  readonly headers?: readonly (readonly [string, string])[];
}

/** Throws {@link InvalidArgumentError} unless `name: value` is a header an application may send. */
export function validateExtraHeader(name: string, value: string): void {
  if (!isToken(name)) {
    throw new InvalidArgumentError(
      `invalid header name ${JSON.stringify(name)}: not an HTTP token`,
      "WS_ERR_INVALID_HEADER",
    );
  }
  if (!isValidHeaderValue(value)) {
    throw new InvalidArgumentError(
      `invalid value for header ${name}: CR, LF, NUL and other control characters are not allowed`,
      "WS_ERR_INVALID_HEADER",
    );
  }
  const reserved = RESERVED_HEADERS.get(name.toLowerCase());
  if (reserved !== undefined) {
    throw new InvalidArgumentError(`header ${name} may not be set: ${reserved}`, "WS_ERR_RESERVED_HEADER");
  }
}

/** Throws {@link InvalidArgumentError} unless every subprotocol is a token and none repeats. */
export function validateSubprotocols(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const p of protocols) {
    if (!isToken(p))
      throw new InvalidArgumentError(`invalid subprotocol ${JSON.stringify(p)}: not an HTTP token`);
    if (seen.has(p)) throw new InvalidArgumentError(`subprotocol ${p} requested twice`);
    seen.add(p);
  }
}

/** Renders the request; throws {@link InvalidArgumentError} for any invalid part. */
export function renderUpgradeRequest(options: UpgradeRequestOptions): Uint8Array {
  const extra = options.headers ?? [];
  for (const [name, value] of extra) validateExtraHeader(name, value);
  const subprotocols = options.subprotocols ?? [];
  validateSubprotocols(subprotocols);
  for (const [label, value] of [
    ["Origin", options.origin],
    ["User-Agent", options.userAgent],
    ["Sec-WebSocket-Extensions", options.extensions],
  ] as const) {
    if (value !== undefined && !isValidHeaderValue(value)) {
      throw new InvalidArgumentError(
        `invalid ${label} value: control characters are not allowed`,
        "WS_ERR_INVALID_HEADER",
      );
    }
  }
  const hasHost = extra.some(([name]) => name.toLowerCase() === "host");
  const lines = [`GET ${options.uri.resource} HTTP/1.1`];
  if (!hasHost) lines.push(`Host: ${options.uri.hostHeader}`);
  lines.push(
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${options.key}`,
    "Sec-WebSocket-Version: 13",
  );
  if (subprotocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${subprotocols.join(", ")}`);
  if (options.extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
  if (options.userAgent !== undefined) lines.push(`User-Agent: ${options.userAgent}`);
  for (const [name, value] of extra) lines.push(`${name}: ${value}`);
  // Header values are Latin-1 at most (checked above), so one byte per character.
  const text = `${lines.join("\r\n")}\r\n\r\n`;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
