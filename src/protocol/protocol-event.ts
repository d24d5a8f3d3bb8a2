/**
 * Events of the sans-I/O connection: what the peer's bytes meant.
 */
import type { ProtocolViolation } from "../codec/index.js";
import type { MessageType } from "./incoming-frames.js";

/** A data message begins. `singleFrame` and `frameLength` let the caller decide strict vs streamed from the header. */
export interface MessageStartEvent {
  readonly kind: "message-start";
  readonly messageType: MessageType;
  readonly singleFrame: boolean;
  readonly frameLength: number;
  readonly rsv1: boolean;
}

/**
 * A whole single-frame message whose payload arrived in one piece: what `message-start`,
 * `message-data` and `message-end` would say, in one event (the common case, one allocation).
 */
export interface CompleteMessageEvent {
  readonly kind: "message";
  readonly messageType: MessageType;
  readonly data: Uint8Array;
  readonly rsv1: boolean;
}

/** A slice of the current message's payload (validated UTF-8 so far for text). A view: never reused by the protocol. */
export interface MessageDataEvent {
  readonly kind: "message-data";
  readonly data: Uint8Array;
}

/** The current message is complete. */
export interface MessageEndEvent {
  readonly kind: "message-end";
}

/** A Ping arrived; the Pong is already queued in `dataToSend()`. */
export interface PingEvent {
  readonly kind: "ping";
  readonly data: Uint8Array;
}

/** A Pong arrived. */
export interface PongEvent {
  readonly kind: "pong";
  readonly data: Uint8Array;
}

/** The peer's Close frame arrived (code 1005 when it carried none). A reply is queued if we had not sent Close. */
export interface CloseReceivedEvent {
  readonly kind: "close-received";
  readonly code: number;
  readonly reason: string;
}

/** The peer broke the protocol: Close with `violation.closeCode` is queued and the transport should be closed. */
export interface ProtocolErrorEvent {
  readonly kind: "protocol-error";
  readonly violation: ProtocolViolation;
}

/**
 * The connection is CLOSED. `code` is the peer's close code, 1006 when no Close frame came;
 * `wasClean` when both Close frames were exchanged (RFC 6455 §7.1.4).
 */
export interface ClosedEvent {
  readonly kind: "closed";
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Everything {@link WebSocketProtocol.eventsReceived} may return. */
export type ProtocolEvent =
  | CompleteMessageEvent
  | MessageStartEvent
  | MessageDataEvent
  | MessageEndEvent
  | PingEvent
  | PongEvent
  | CloseReceivedEvent
  | ProtocolErrorEvent
  | ClosedEvent;

/** The single, shared end-of-message event (it carries nothing). */
export const MESSAGE_END: MessageEndEvent = Object.freeze({ kind: "message-end" });
