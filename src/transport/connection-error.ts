/** Node socket errors in words; the connection error classes themselves live in the codec layer. */
export { AbortedError, ConnectionError, ConnectTimeoutError, ProxyTunnelError } from "../codec/index.js";

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
