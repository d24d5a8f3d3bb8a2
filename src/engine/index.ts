/** The engine: the WebSocket as stream stages, composed into the client layer. */
export * from "./client-layer.js";
export * from "./connection-controls.js";
export * from "./engine-errors.js";
export * from "./engine-settings.js";
export type { HandshakeOutcome, HandshakeSpec } from "./handshake-stage.js";
export type { MessageEvent, OutgoingFrame } from "./protocol-stage.js";
