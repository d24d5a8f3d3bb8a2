/**
 * How the client reaches the server (Akka's `ClientTransport`): TCP, with TLS for `wss:`, by
 * default; through an HTTP proxy's CONNECT tunnel with `ClientTransport.httpsProxy`; to a Unix
 * socket; to a handler in the same process with `ClientTransport.inMemory`; or any byte flow of the
 * user's (a tunnel of another kind).
 */

import { InvalidArgumentError } from "../codec/index.js";
import { base64Encode } from "../handshake/index.js";
import type { Flow } from "../stream/index.js";
import { checkHttpProxy, type HttpProxy, type OutgoingConnectionOptions, Tcp } from "../transport/index.js";
import { requireFunction, requireOptions } from "./argument-checks.js";
import { type InMemoryServer, type InMemoryServerOptions, inMemoryServer } from "./in-memory-server.js";
import type { WebSocketHandler } from "./websocket-handler.js";

/** Makes the byte connection for a request. */
export interface ClientTransport {
  connectTo(
    host: string,
    port: number,
    options: OutgoingConnectionOptions,
  ): Flow<Uint8Array, Uint8Array, unknown>;
}

/** A user name and password for a proxy that asks for them (HTTP Basic, RFC 7617). */
export interface ProxyCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options of {@link ClientTransport.httpsProxy}. */
export interface HttpsProxyOptions {
  /** Sent as `Proxy-Authorization: Basic …`; overrides credentials in the proxy's URL. */
  readonly credentials?: ProxyCredentials;
  /** More headers for the CONNECT request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** wsflow's own TCP transports: they hand written frames back, so the client may lend its frame arena. */
const tcpTransports = new WeakSet<ClientTransport>();

/** @internal Whether `transport` is one of wsflow's TCP transports (see `Http`). */
export function isTcpTransport(transport: ClientTransport): boolean {
  return tcpTransports.has(transport);
}

function tcpTransport(connectTo: ClientTransport["connectTo"]): ClientTransport {
  const transport: ClientTransport = { connectTo };
  tcpTransports.add(transport);
  return transport;
}

/** The transports wsflow provides. */
export const ClientTransport = {
  /** TCP to the request's host and port, with TLS for `wss:` (the default). */
  TCP: tcpTransport((host, port, options) => Tcp.outgoingConnection(host, port, options)),

  /**
   * To a Unix domain socket (a named pipe on Windows) at `path` instead of the URL's host and port,
   * which still name the server (the `Host` header; TLS's server name for `wss:`). E.g. a local
   * daemon's WebSocket API: `Http.create({ transport: ClientTransport.unixSocket("/run/app.sock") })`
   * with the URL `ws://localhost/events`.
   */
  unixSocket(path: string): ClientTransport {
    if (typeof path !== "string" || path === "")
      throw new InvalidArgumentError(`a Unix socket path must be a non-empty string, got ${String(path)}`);
    return tcpTransport((host, port, options) =>
      Tcp.outgoingConnection(host, port, { ...options, socketPath: path }),
    );
  },

  /**
   * To `handler` in this process, without a socket: each connection is served as
   * `newServerAt(...).bindFlow(handler)` would serve it (request validation, the handler's
   * subprotocol or rejection, permessage-deflate if `settings` enable it, the closing handshake),
   * the bytes passing through in-memory queues with back-pressure. For tests of code built on
   * wsflow: `Http.create({ transport: ClientTransport.inMemory(() => Flow.create<Message>()) })`
   * with any `ws:` URL (its host and port are not used; nor is TLS for `wss:`). The result also
   * counts open `connections` and can `close()` them (1001) like a server binding.
   */
  inMemory(handler: WebSocketHandler, options: InMemoryServerOptions = {}): InMemoryServer {
    requireFunction(handler, "a WebSocket handler");
    requireOptions(options, "options");
    return inMemoryServer(handler, options);
  },

  /**
   * Through an HTTP proxy: the proxy is asked (`CONNECT host:port`, RFC 9110 §9.3.6) for a tunnel
   * to the server, and the connection, TLS included for `wss:`, runs through it end to end. `proxy`
   * is a URL (`http://user:password@proxy.example:3128`; `http://` may be left out; the port
   * defaults to 80) or a host and port. Throws `InvalidArgumentError` at once for a proxy URL or a
   * header that cannot be used. A proxy that refuses the tunnel (407 without valid credentials, 403,
   * 502 …) fails the connection with a `ProxyTunnelError` carrying its `status`.
   */
  httpsProxy(
    proxy: string | { readonly host: string; readonly port: number },
    options: HttpsProxyOptions = {},
  ): ClientTransport {
    const address = typeof proxy === "string" ? parseProxyUrl(proxy) : { ...proxy, credentials: undefined };
    const credentials = options.credentials ?? address.credentials;
    const headers: Record<string, string> = { ...options.headers };
    if (credentials !== undefined) {
      if (credentials.username.includes(":"))
        throw new InvalidArgumentError("a proxy user name cannot contain ':' (RFC 7617 §2)");
      const token = base64Encode(new TextEncoder().encode(`${credentials.username}:${credentials.password}`));
      headers["Proxy-Authorization"] = `Basic ${token}`;
    }
    const httpProxy: HttpProxy = { host: address.host, port: address.port, headers };
    checkHttpProxy(httpProxy);
    return tcpTransport((host, port, connectOptions) =>
      Tcp.outgoingConnection(host, port, { ...connectOptions, proxy: httpProxy }),
    );
  },
} as const;

function parseProxyUrl(text: string): {
  host: string;
  port: number;
  credentials: ProxyCredentials | undefined;
} {
  let url: URL;
  try {
    url = new URL(text.includes("://") ? text : `http://${text}`);
  } catch {
    throw new InvalidArgumentError(`invalid proxy URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:") {
    throw new InvalidArgumentError(
      `proxy URL ${JSON.stringify(text)}: only http:// proxies are supported (a wss: connection still gets TLS end to end through the tunnel)`,
    );
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "")
    throw new InvalidArgumentError(
      `proxy URL ${JSON.stringify(text)}: a proxy has no path, query or fragment`,
    );
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (host === "") throw new InvalidArgumentError(`proxy URL ${JSON.stringify(text)}: no host`);
  const credentials =
    url.username === "" && url.password === ""
      ? undefined
      : { username: decodeUserInfo(url.username, text), password: decodeUserInfo(url.password, text) };
  return { host, port: url.port === "" ? 80 : Number(url.port), credentials };
}

function decodeUserInfo(part: string, text: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError(
      `proxy URL ${JSON.stringify(text)}: malformed percent-encoding in its credentials`,
    );
  }
}
