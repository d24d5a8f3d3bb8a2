/**
 * wsflow: a streaming WebSocket client with back-pressure, a port of Akka HTTP's client-side
 * WebSocket support.
 *
 * @packageDocumentation
 */
export * from "./codec/index.js";
export * from "./handshake/index.js";
export * from "./protocol/index.js";
export * from "./stream/index.js";
