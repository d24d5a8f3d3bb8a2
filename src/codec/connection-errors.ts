/**
 * Failures of the connection itself (it could not be made, or was lost), and aborts. They live
 * here, with the rest of the error hierarchy, because the engine reports them too (a server that
 * hangs up during the handshake) and the engine must not import the Node transport.
 */
import { WebSocketError } from "./errors.js";

/** Connecting failed: DNS, refused, unreachable, TLS, or the connection dropped. Node's error is the `cause`. */
export class ConnectionError extends WebSocketError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(
      options?.code ?? "WS_ERR_CONNECTION_FAILED",
      `connection to ${formatHost(host)}:${port} failed: ${reason}`,
      options,
    );
  }
}

/** Connecting (TCP and TLS) took longer than `connectingTimeout`. */
export class ConnectTimeoutError extends ConnectionError {
  constructor(host: string, port: number, timeoutMs: number) {
    super(host, port, `not connected within ${timeoutMs} ms (connectingTimeout)`, {
      code: "WS_ERR_CONNECT_TIMEOUT",
    });
  }
}

/**
 * The HTTP proxy would not open the tunnel (RFC 9110 §9.3.6): it answered CONNECT with a status
 * other than 2xx (`status`: e.g. 407 when it wants credentials), answered with something that is
 * not an HTTP response, or closed the connection without answering. `host` and `port` are the
 * WebSocket server's; the proxy's are `proxyHost` and `proxyPort`.
 */
export class ProxyTunnelError extends ConnectionError {
  constructor(
    host: string,
    port: number,
    readonly proxyHost: string,
    readonly proxyPort: number,
    /** What went wrong, e.g. "answered 407 Proxy Authentication Required". */
    problem: string,
    /** The proxy's status code, when it sent a response. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(host, port, `the proxy ${formatHost(proxyHost)}:${proxyPort} ${problem}`, {
      ...options,
      code: "WS_ERR_PROXY_TUNNEL",
    });
  }
}

/** The operation was aborted through its `AbortSignal`. */
export class AbortedError extends WebSocketError {
  constructor(reason?: unknown) {
    super(
      "WS_ERR_ABORTED",
      `aborted${reason instanceof Error ? `: ${reason.message}` : reason === undefined ? "" : `: ${String(reason)}`}`,
      {
        cause: reason,
      },
    );
  }
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
