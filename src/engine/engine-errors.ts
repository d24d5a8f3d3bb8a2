/** Errors the WebSocket engine fails a connection with. */
import { WebSocketError } from "../codec/index.js";
import { HandshakeError } from "../handshake/index.js";

/**
 * The peer closed with a code other than 1000 (normal) or 1001 (going away), or the connection
 * ended without a Close frame (`closeCode` 1006). Akka's name, kept for its users.
 */
export class PeerClosedConnectionException extends WebSocketError {
  constructor(
    readonly closeCode: number,
    readonly closeReason: string,
  ) {
    super(
      closeCode === 1006 ? "WS_ERR_ABNORMAL_CLOSURE" : "WS_ERR_PEER_CLOSED",
      closeCode === 1006
        ? "the connection closed without a Close frame (abnormal closure, 1006)"
        : `the peer closed the connection with ${closeCode}${closeReason ? `: ${closeReason}` : ""}`,
    );
  }
}

/** The opening handshake did not complete within the time allowed (`connectingTimeout`). */
export class HandshakeTimeoutError extends HandshakeError {
  constructor(readonly timeoutMs: number) {
    super("WS_ERR_HANDSHAKE_TIMEOUT", `no handshake response within ${timeoutMs} ms (connectingTimeout)`);
  }
}

/** The server answered with a regular HTTP response, not a valid upgrade; `response` is the upgrade response. */
export class InvalidUpgradeError extends HandshakeError {
  constructor(
    readonly status: number,
    readonly cause_: string,
    readonly response: unknown,
  ) {
    super("WS_ERR_INVALID_UPGRADE", `WebSocket upgrade failed: ${cause_}`);
  }
}

/** No traffic for `idleTimeout`. */
export class IdleTimeoutError extends WebSocketError {
  constructor(readonly timeoutMs: number) {
    super("WS_ERR_IDLE_TIMEOUT", `no traffic for ${timeoutMs} ms (idleTimeout)`);
  }
}

/** A keep-alive ping got no pong within `keepAlivePongTimeout`: the peer is gone. */
export class KeepAliveTimeoutError extends WebSocketError {
  constructor(readonly timeoutMs: number) {
    super(
      "WS_ERR_KEEPALIVE_TIMEOUT",
      `no pong within ${timeoutMs} ms of a keep-alive ping (keepAlivePongTimeout)`,
    );
  }
}

/** A streamed incoming message was not consumed within `streamedMessageTimeout`, stalling the connection. */
export class StreamedMessageNotConsumedError extends WebSocketError {
  constructor(readonly timeoutMs: number) {
    super(
      "WS_ERR_STREAMED_MESSAGE_NOT_CONSUMED",
      `a streamed message was not consumed within ${timeoutMs} ms: run or discard every streamed message ` +
        "(e.g. message.getStreamedText().runWith(Sink.ignore())) before the next one can arrive (streamedMessageTimeout)",
    );
  }
}

/** The connection ended (or its incoming side was cancelled) before a streamed message was complete. */
export class IncompleteMessageError extends WebSocketError {
  constructor(detail: string) {
    super("WS_ERR_INCOMPLETE_MESSAGE", `the streamed message is incomplete: ${detail}`);
  }
}
