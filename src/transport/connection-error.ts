/** Failures of the transport: the connection itself could not be made or was lost. */
import { WebSocketError } from "../codec/index.js";

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

/** A readable reason for a Node socket error. */
export function describeSocketError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `DNS lookup failed (${e.code})`;
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ECONNRESET":
      return "connection reset by peer (ECONNRESET)";
    case "ETIMEDOUT":
      return "timed out (ETIMEDOUT)";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `unreachable (${e.code})`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "CERT_HAS_EXPIRED":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS certificate not accepted: ${e.message ?? e.code}`;
    default:
      return e.message ?? String(error);
  }
}
