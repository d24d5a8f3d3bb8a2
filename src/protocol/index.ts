/** The protocol layer: the sans-I/O connection state machine. Imports only the codec. */
export * from "./connection-state.js";
export * from "./incoming-frames.js";
export * from "./message-compression.js";
export * from "./protocol-event.js";
export * from "./websocket-protocol.js";
