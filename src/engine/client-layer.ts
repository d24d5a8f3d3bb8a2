/**
 * The WebSocket client as one BidiFlow, detached from any transport:
 *
 * ```
 * messages ⇄ [WebSocket stage: message half | protocol half] ⇄ bytes ⇄ [handshake stage] ⇄ bytes (network)
 * ```
 *
 * Framing, masking and frame handling live in the sans-I/O `WebSocketProtocol`, which the
 * protocol half drives; they are not separate stages (unlike Akka's stack) because the pure
 * object already owns their state and splitting it would duplicate it. The message half and the
 * protocol half are two classes of one stage (see protocol-stage.ts), and the handshake stage
 * leaves the graph once the connection is open: an open connection's engine is one stage.
 */
import type { Message } from "../message/index.js";
import type { MessageCompression } from "../protocol/index.js";
import { BidiFlow } from "../stream/index.js";
import { ConnectionControls } from "./connection-controls.js";
import type { EngineSettings } from "./engine-settings.js";
import { type HandshakeOutcome, type HandshakeSpec, HandshakeStageLogic } from "./handshake-stage.js";
import { MessageStageLogic } from "./message-stage.js";

/** What the client layer materializes. */
export interface ClientLayerMat {
  readonly outcome: Promise<HandshakeOutcome>;
  readonly controls: ConnectionControls;
}

/** Messages ⇄ bytes: the WebSocket stage; materializes the connection's controls. */
function messagesOverProtocol(
  settings: EngineSettings,
  compression?: () => MessageCompression,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ConnectionControls> {
  return BidiFlow.fromStageMat(() => {
    const controls = new ConnectionControls();
    // Queued by the controls until the stage starts, so before any frame arrives.
    if (compression !== undefined) controls.compressionNegotiated(compression());
    return [new MessageStageLogic(settings, controls), controls] as const;
  });
}

/** The layer for one connection. Each materialization gets its own stages and controls. */
export function clientLayer(
  spec: HandshakeSpec,
  settings: EngineSettings,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ClientLayerMat> {
  const handshake = BidiFlow.fromStageMat(() => {
    const logic = new HandshakeStageLogic(spec);
    return [logic, logic] as const;
  });
  return messagesOverProtocol(settings).atopMat(handshake, (controls, logic) => {
    // What the handshake negotiates (per-message compression) reaches the protocol through them.
    logic.controls = controls;
    return { outcome: logic.outcome.promise, controls };
  });
}

/**
 * The server side: the same message and protocol stages without the handshake stage (the HTTP
 * upgrade is answered before the WebSocket starts). `compression`: what the upgrade's answer
 * agreed (permessage-deflate), made for each materialization. Materializes the connection's controls.
 */
export function serverLayer(
  settings: EngineSettings,
  compression?: () => MessageCompression,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ConnectionControls> {
  return messagesOverProtocol(settings, compression);
}
