/**
 * The target of a WebSocket request (RFC 6455 §3): `ws://` or `wss://`, a host, an optional port,
 * path and query kept, no fragment.
 */
import { InvalidArgumentError } from "../codec/index.js";

/** A validated WebSocket URI, split into what the connection and the request need. */
export interface WebSocketUri {
  readonly secure: boolean;
  /** Host name or IP literal, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `path?query`, "/" at least: the request target. */
  readonly resource: string;
  /** The `Host` header value: brackets around IPv6, the port only when not the default. */
  readonly hostHeader: string;
  /** The URI as given, normalised. */
  readonly href: string;
}

/** Parses and validates `uri`; throws {@link InvalidArgumentError} for anything RFC 6455 §3 rejects. */
export function parseWebSocketUri(uri: string | URL): WebSocketUri {
  let url: URL;
  try {
    url = typeof uri === "string" ? new URL(uri) : new URL(uri.href);
  } catch {
    throw new InvalidArgumentError(`not a valid URL: ${String(uri)}`, "WS_ERR_INVALID_URL");
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new InvalidArgumentError(
      `the scheme must be ws: or wss:, got ${url.protocol} in ${url.href}`,
      "WS_ERR_INVALID_URL",
    );
  }
  const raw = typeof uri === "string" ? uri : uri.href;
  if (url.hash !== "" || raw.includes("#")) {
    throw new InvalidArgumentError(`a WebSocket URL may not have a fragment: ${raw}`, "WS_ERR_INVALID_URL");
  }
  if (url.hostname === "") throw new InvalidArgumentError(`no host in ${raw}`, "WS_ERR_INVALID_URL");
  const secure = url.protocol === "wss:";
  const defaultPort = secure ? 443 : 80;
  const port = url.port === "" ? defaultPort : Number(url.port);
  const bracketed = url.hostname.startsWith("[");
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  const hostForHeader = bracketed ? `[${host}]` : host;
  return {
    secure,
    host,
    port,
    resource: `${url.pathname || "/"}${url.search}`,
    hostHeader: port === defaultPort ? hostForHeader : `${hostForHeader}:${port}`,
    href: url.href,
  };
}
