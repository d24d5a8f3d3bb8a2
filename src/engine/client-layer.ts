/**
 * The WebSocket client as one BidiFlow, detached from any transport:
 *
 * ```
 * messages ⇄ [message stage] ⇄ frames ⇄ [protocol stage] ⇄ bytes ⇄ [handshake stage] ⇄ bytes (network)
 * ```
 *
 * Framing, masking and frame handling live in the sans-I/O `WebSocketProtocol`, which the
 * protocol stage drives; they are not separate stages (unlike Akka's stack) because the pure
 * object already owns their state and splitting it would duplicate it.
 */
import type { Message } from "../message/index.js";
import { BidiFlow, Keep } from "../stream/index.js";
import { ConnectionControls } from "./connection-controls.js";
import type { EngineSettings } from "./engine-settings.js";
import { type HandshakeOutcome, type HandshakeSpec, HandshakeStageLogic } from "./handshake-stage.js";
import { MessageStageLogic } from "./message-stage.js";
import { ProtocolStageLogic } from "./protocol-stage.js";

/** What the client layer materializes. */
export interface ClientLayerMat {
  readonly outcome: Promise<HandshakeOutcome>;
  readonly controls: ConnectionControls;
}

/** Messages ⇄ bytes: the message stage atop the protocol stage; materializes the connection's controls. */
function messagesOverProtocol(
  settings: EngineSettings,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ConnectionControls> {
  const messages = BidiFlow.fromStageMat(() => [new MessageStageLogic(settings), undefined] as const);
  const protocol = BidiFlow.fromStageMat(() => {
    const controls = new ConnectionControls();
    return [new ProtocolStageLogic(settings, controls), controls] as const;
  });
  return messages.atopMat(protocol, Keep.right);
}

/** The layer for one connection. Each materialization gets its own stages and controls. */
export function clientLayer(
  spec: HandshakeSpec,
  settings: EngineSettings,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ClientLayerMat> {
  const handshake = BidiFlow.fromStageMat(() => {
    const logic = new HandshakeStageLogic(spec);
    return [logic, logic.outcome.promise] as const;
  });
  return messagesOverProtocol(settings).atopMat(handshake, (controls, outcome) => ({ outcome, controls }));
}

/**
 * The server side: the same message and protocol stages without the handshake stage (the HTTP
 * upgrade is answered before the WebSocket starts). Materializes the connection's controls.
 */
export function serverLayer(
  settings: EngineSettings,
): BidiFlow<Message, Uint8Array, Uint8Array, Message, ConnectionControls> {
  return messagesOverProtocol(settings);
}
