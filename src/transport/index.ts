/** The transport layer: byte flows over TCP and TLS; the only code importing node:net and node:tls. */
export * from "./connection-error.js";
export * from "./native.js";
export * from "./tcp.js";
export * from "./upgrade-server.js";
