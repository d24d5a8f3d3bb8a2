/**
 * The transport layer: byte flows over TCP and TLS, directly or through an HTTP proxy's CONNECT
 * tunnel; the only code importing node:net and node:tls.
 */
export * from "./connection-error.js";
export { checkHttpProxy, type HttpProxy } from "./http-proxy.js";
export * from "./native.js";
export * from "./native-deflate.js";
export * from "./tcp.js";
export * from "./upgrade-server.js";
