/**
 * wsflow: a streaming WebSocket client with back-pressure, a port of Akka HTTP's client-side
 * WebSocket support (`singleWebSocketRequest`, `webSocketClientFlow`, `webSocketClientLayer`) on
 * an Akka-Streams-style DSL.
 *
 * @packageDocumentation
 */
export * from "./api/index.js";
export * from "./codec/index.js";
export {
  type CloseInfo,
  HandshakeTimeoutError,
  IdleTimeoutError,
  IncompleteMessageError,
  InvalidUpgradeError,
  KeepAliveTimeoutError,
  PeerClosedConnectionException,
  StreamedMessageNotConsumedError,
} from "./engine/index.js";
export * from "./extensions/index.js";
export * from "./handshake/index.js";
export * from "./message/index.js";
export * from "./protocol/index.js";
export * from "./stream/index.js";
export {
  AbortedError,
  ConnectionError,
  ConnectTimeoutError,
  type HttpProxy,
  type LentBytes,
  type OutgoingConnection,
  type OutgoingConnectionOptions,
  Tcp,
  type TlsOptions,
} from "./transport/index.js";
