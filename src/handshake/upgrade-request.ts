/**
 * The client's opening handshake request (RFC 6455 §4.1): rendered as bytes, after every
 * application-supplied header has been checked so that nothing malformed is ever sent.
 */
import { InvalidArgumentError } from "../codec/index.js";
import { isToken, isValidHeaderValue, requireWritableHeader } from "./header-syntax.js";
import { headBytes } from "./request-head.js";
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
  requireWritableHeader(name, value);
  const reserved = RESERVED_HEADERS.get(name.toLowerCase());
  if (reserved !== undefined) {
    throw new InvalidArgumentError(`header ${name} may not be set: ${reserved}`, "WS_ERR_RESERVED_HEADER");
  }
}

/** Throws {@link InvalidArgumentError} unless every subprotocol is a token and none repeats. */
export function validateSubprotocols(protocols: readonly string[]): void {
  // A handful at most: compared pairwise, with no set made per request.
  for (let i = 0; i < protocols.length; i++) {
    const p = protocols[i]!;
    if (!isToken(p))
      throw new InvalidArgumentError(`invalid subprotocol ${JSON.stringify(p)}: not an HTTP token`);
    for (let j = 0; j < i; j++) {
      if (protocols[j] === p) throw new InvalidArgumentError(`subprotocol ${p} requested twice`);
    }
  }
}

/** Renders the request; throws {@link InvalidArgumentError} for any invalid part. */
export function renderUpgradeRequest(options: UpgradeRequestOptions): Uint8Array {
  // Written as plain loops and one string built up: every connection renders one request, mostly
  // before this code is optimised, where tuple literals, destructuring and `for…of` make garbage.
  const extra = options.headers ?? NO_HEADERS;
  for (let i = 0; i < extra.length; i++) validateExtraHeader(extra[i]![0], extra[i]![1]);
  const subprotocols = options.subprotocols ?? NO_PROTOCOLS;
  validateSubprotocols(subprotocols);
  checkOptionalValue("Origin", options.origin);
  checkOptionalValue("User-Agent", options.userAgent);
  checkOptionalValue("Sec-WebSocket-Extensions", options.extensions);
  let hasHost = false;
  for (let i = 0; i < extra.length; i++) if (extra[i]![0].toLowerCase() === "host") hasHost = true;
  let text = `GET ${options.uri.resource} HTTP/1.1\r\n`;
  if (!hasHost) text += `Host: ${options.uri.hostHeader}\r\n`;
  text += `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${options.key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (subprotocols.length > 0) text += `Sec-WebSocket-Protocol: ${subprotocols.join(", ")}\r\n`;
  if (options.extensions !== undefined) text += `Sec-WebSocket-Extensions: ${options.extensions}\r\n`;
  if (options.origin !== undefined) text += `Origin: ${options.origin}\r\n`;
  if (options.userAgent !== undefined) text += `User-Agent: ${options.userAgent}\r\n`;
  for (let i = 0; i < extra.length; i++) text += `${extra[i]![0]}: ${extra[i]![1]}\r\n`;
  text += "\r\n";
  // Header values are Latin-1 at most (checked above), so one byte per character.
  return headBytes(text);
}

const NO_HEADERS: readonly (readonly [string, string])[] = [];
const NO_PROTOCOLS: readonly string[] = [];

function checkOptionalValue(label: string, value: string | undefined): void {
  if (value !== undefined && !isValidHeaderValue(value)) {
    throw new InvalidArgumentError(
      `invalid ${label} value: control characters are not allowed`,
      "WS_ERR_INVALID_HEADER",
    );
  }
}
