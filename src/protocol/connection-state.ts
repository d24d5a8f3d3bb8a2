/** Connection states (RFC 6455 §4 and §7), named as the RFC and the WHATWG API name them. */
export const ConnectionState = {
  Connecting: "CONNECTING",
  Open: "OPEN",
  Closing: "CLOSING",
  Closed: "CLOSED",
} as const;

/** One of the connection states. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];
