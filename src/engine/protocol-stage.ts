/**
 * The protocol half of the WebSocket stage: a thin stream adapter over the sans-I/O
 * `WebSocketProtocol`, bytes on one side, frames and message events on the other.
 *
 * ```
 *                        +--------------------+
 *  frames (offerFrame) ~> |                    | ~> bytes to the network   (out1)
 *                        |  WebSocketProtocol |
 *  events (onMessage~) <~ |  + timers          | <~ bytes from the network (in2)
 *                        +--------------------+
 * ```
 *
 * The message half (`MessageStageLogic`) extends this class: the two run as one stage, talking
 * through method calls and a few flags instead of two stream connections. A connection's graph
 * lives as long as the WebSocket, and a stage boundary costs two connections, four ports and a
 * hop per message each way; the split of concerns stays, as two classes.
 *
 * Bytes are read only when the events of the previous read have been taken (back-pressure to
 * the socket); frames are taken only when the bytes already produced have been written.
 * Pongs and Close replies are produced by the protocol and written without waiting for the
 * application. Timers: the close deadline, keep-alive, the keep-alive pong deadline and the
 * idle time-out. The controls (`close`, `ping`, `closed`) act here.
 */
import { hasFlag } from "../codec/bit-flags.js";
import { Fifo } from "../codec/fifo.js";
import {
  CloseCode,
  InvalidStateError,
  Opcode,
  ProtocolError,
  RandomMaskKeySource,
  releaseFrame,
  truncateCloseReason,
} from "../codec/index.js";
import {
  type MessageCompression,
  type ProtocolEvent,
  type ProtocolOptions,
  WebSocketProtocol,
} from "../protocol/index.js";
import {
  type Deferred,
  GraphStageLogic,
  IllegalStageStateError,
  type Inlet,
  InPortHandler,
  type Outlet,
  OutPortHandler,
} from "../stream/index.js";
import type { ConnectionControls, ControlHandler } from "./connection-controls.js";
import { IdleTimeoutError, KeepAliveTimeoutError, PeerClosedConnectionException } from "./engine-errors.js";
import type { EngineSettings } from "./engine-settings.js";

/** A data frame the message half asks to send. */
export interface OutgoingFrame {
  readonly opcode: typeof Opcode.Text | typeof Opcode.Binary | typeof Opcode.Continuation;
  /** A string only for a whole text message in one frame: the protocol encodes it (see sendText). */
  readonly payload: Uint8Array | string;
  readonly fin: boolean;
  /** The first frame of a compressed message. */
  readonly rsv1?: boolean;
}

/** The events passed up to the message half. */
export type MessageEvent = Extract<
  ProtocolEvent,
  { kind: "message" | "message-start" | "message-data" | "message-end" }
>;

const CLOSE_TIMER = "close";
const KEEPALIVE_TIMER = "keepalive";
const PONG_TIMER = "pong";
const IDLE_TIMER = "idle";
const CLOSE_REPLY_TIMER = "closeReply";
/**
 * After the peer's Close, how long the application may still send (e.g. an echo of the last
 * message) before we answer; completing its outgoing side answers at once.
 */
const CLOSE_REPLY_GRACE_MS = 100;

const logEncoder = new TextEncoder();
const utf8Length = (text: string): number => logEncoder.encode(text).length;

// Send options, shared: one object per frame would be garbage.
const FINAL = { fin: true } as const;
const NOT_FINAL = { fin: false } as const;
const COMPRESSED_FINAL = { fin: true, rsv1: true } as const;
const COMPRESSED = { fin: false, rsv1: true } as const;

// The stage's yes/no states, as bits of its `flags`: one number instead of eight fields, in a
// stage that lives as long as its connection. The two inner channels (what their ports' states
// were when they were stream connections) — outgoing: the message half may offer a frame; it
// finished (completed or failed); we stopped taking frames. Incoming: it ended (delivered); the
// application cancelled it.
const FRAME_DEMAND = 1;
const OUTGOING_ENDED = 2;
const OUTGOING_STOPPED = 4;
const INCOMING_ENDED = 8;
const INCOMING_CANCELLED = 16;
/** A keep-alive ping is waiting for its pong. */
const PONG_PENDING = 32;
/** The peer's Close arrived. */
const PEER_CLOSED = 64;
/** We sent Close first. */
const WE_INITIATED_CLOSE = 128;
/**
 * An idle time-out or keep-alive is set, so frames in and out stamp `lastActivity`. Without one
 * nothing reads the stamp, and reading the clock (~50 ns) twice per round trip is wasted.
 */
const TRACKS_ACTIVITY = 256;
/** The application completed its outgoing messages (the message half's state, kept here). */
const APP_DONE = 512;
/** The message half kept a view of the chunk being received (see `receive`). */
const INPUT_KEPT = 1024;

/**
 * The protocol's options for `settings`: one object per settings object, so that every connection's
 * protocol shares what it derives from them (see `WebSocketProtocol`).
 */
const protocolOptions = new WeakMap<EngineSettings, ProtocolOptions>();

function protocolOptionsFor(settings: EngineSettings): ProtocolOptions {
  let options = protocolOptions.get(settings);
  if (options === undefined) {
    options = {
      role: settings.role,
      maxFrameSize: settings.maxFrameSize,
      maxMessageSize: settings.maxMessageSize,
      closeTimeout: settings.closeTimeout,
      // The peer's Close is answered once the application has sent what it still had (see onPeerClose).
      closeReply: "manual",
      ...(settings.randomFill ? { maskKeys: new RandomMaskKeySource(settings.randomFill) } : {}),
      ...(settings.utf8Bulk ? { utf8Bulk: settings.utf8Bulk } : {}),
      ...(settings.allocate ? { allocate: settings.allocate } : {}),
    };
    protocolOptions.set(settings, options);
  }
  return options;
}

export abstract class ProtocolStageLogic extends GraphStageLogic implements ControlHandler {
  /** Bytes to the network. */
  readonly out1: Outlet<Uint8Array> = this.outlet<Uint8Array>("protocol.bytesOut");
  /** Bytes from the network. */
  readonly in2: Inlet<Uint8Array> = this.inlet<Uint8Array>("protocol.bytesIn");

  private readonly protocol: WebSocketProtocol;
  /** Message events not yet taken by the message half: a pooled queue, held only while not empty. */
  private eventsOut: Fifo<MessageEvent> | undefined = undefined;
  /** The connection's yes/no states, bits of one number (see the flag constants). */
  private flags = 0;
  /** What ends the incoming side once the queued events are delivered. */
  private termination: { readonly error?: unknown } | undefined;
  /** When a frame last went in or out (performance.now() ms), if TRACKS_ACTIVITY. */
  private lastActivity = 0;
  /** Pings awaiting their pong (made on the first ping). */
  private pings: { payload: string; started: number; result: Deferred<number> }[] | undefined;

  /** The application completed its outgoing messages (a bit of `flags`: no field of the message half). */
  protected get appDone(): boolean {
    return hasFlag(this.flags, APP_DONE);
  }
  protected set appDone(done: boolean) {
    this.flags = done ? this.flags | APP_DONE : this.flags & ~APP_DONE;
  }

  constructor(
    protected readonly settings: EngineSettings,
    private readonly controls: ConnectionControls,
  ) {
    super();
    this.protocol = new WebSocketProtocol(protocolOptionsFor(settings));
    // Handlers call methods of this stage: no closures per port (a connection lives long).
    const P = ProtocolStageLogic.prototype;
    this.setHandler(this.out1, new OutPortHandler(this, P.flushBytes, P.completeStage));
    this.setHandler(this.in2, new InPortHandler(this, P.onBytes, P.onNetworkEnd, P.failConnection));
  }

  // ---- what the message half implements -----------------------------------------------------------

  /** The protocol can take a frame: `offerFrame` one, now or when there is one. */
  protected abstract onFrameDemand(): void;
  /** No more frames are taken (the connection closed or failed): stop the outgoing side. */
  protected abstract onOutgoingStopped(cause: unknown): void;
  /** Whether the message half can take `event`, the next message event, now. */
  protected abstract wantsEvent(event: MessageEvent): boolean;
  /** A message event, when `wantsEvent(event)` said yes. */
  protected abstract onMessageEvent(event: MessageEvent): void;
  /** The incoming side ended, normally (`error` undefined) or not; called once. */
  protected abstract onIncomingEnd(error: unknown): void;
  /**
   * Whether a message handed out still holds data its consumer has not asked for (a whole message
   * above the strict threshold, delivered streamed): the incoming side ends only after it, so a
   * Close that came in the same read as the message does not cut it off.
   */
  protected abstract holdsMessageData(): boolean;

  // ---- what the message half calls -----------------------------------------------------------------

  /** Sends one frame; only after `onFrameDemand`, once per demand. */
  protected offerFrame(frame: OutgoingFrame): void {
    if (!hasFlag(this.flags, FRAME_DEMAND))
      throw new IllegalStageStateError("a frame offered without demand");
    this.flags &= ~FRAME_DEMAND;
    this.send(frame);
  }

  /** Whether a frame would be taken now (`onFrameDemand` was called and not answered yet). */
  protected get wantsFrame(): boolean {
    return hasFlag(this.flags, FRAME_DEMAND);
  }

  /** The application's outgoing side completed: close normally (Akka's behaviour). */
  protected outgoingDone(): void {
    if (this.endOutgoing()) this.closeFromApp(CloseCode.NormalClosure, "");
  }

  /** The application's outgoing side failed: Close 1011. */
  protected outgoingFailed(error: unknown): void {
    if (this.endOutgoing()) this.closeFromApp(CloseCode.InternalError, reasonOf(error));
  }

  /**
   * The application stopped reading (or the message half gave up on it, with `error`): no more
   * events are delivered; close the connection (1000, or 1011 with the error) and read on to the
   * peer's Close.
   */
  protected cancelIncoming(error?: unknown): void {
    if (hasFlag(this.flags, INCOMING_CANCELLED | INCOMING_ENDED)) return;
    this.flags |= INCOMING_CANCELLED;
    this.termination ??= {};
    this.dropEvents();
    if (error === undefined) this.closeFromApp(CloseCode.NormalClosure, "");
    else this.closeFromApp(CloseCode.InternalError, reasonOf(error));
    this.maybeFinish();
  }

  private endOutgoing(): boolean {
    if (hasFlag(this.flags, OUTGOING_ENDED | OUTGOING_STOPPED)) return false;
    this.flags |= OUTGOING_ENDED;
    this.flags &= ~FRAME_DEMAND;
    return true;
  }

  /** Whether the outgoing side is over, by the application or by us. */
  private get outgoingClosed(): boolean {
    return hasFlag(this.flags, OUTGOING_ENDED | OUTGOING_STOPPED);
  }

  private requestFrame(): void {
    if (hasFlag(this.flags, FRAME_DEMAND) || this.outgoingClosed) return;
    this.flags |= FRAME_DEMAND;
    this.onFrameDemand();
  }

  private stopOutgoing(cause?: unknown): void {
    if (this.outgoingClosed) return;
    this.flags |= OUTGOING_STOPPED;
    this.flags &= ~FRAME_DEMAND;
    this.onOutgoingStopped(cause);
  }

  private endIncoming(error: unknown): void {
    if (hasFlag(this.flags, INCOMING_ENDED | INCOMING_CANCELLED)) return;
    this.flags |= INCOMING_ENDED;
    this.onIncomingEnd(error);
  }

  private onBytes(): void {
    this.receive(this.grab(this.in2));
  }

  private onNetworkEnd(): void {
    this.protocol.receiveEof();
    this.afterProtocol();
  }

  /** @internal `ControlHandler`: the application's `close()`, from outside the graph. */
  /** @internal (ControlHandler) */
  compressionNegotiated(compression: MessageCompression): void {
    this.protocol.enableCompression(compression);
  }

  /** Per-message compression, when the handshake negotiated it. */
  protected get compression(): MessageCompression | undefined {
    return this.protocol.compression;
  }

  closeFromControls(code: number | undefined, reason: string): void {
    this.invokeFromOutside(ProtocolStageLogic.prototype.closeFromAppRequest, { code, reason });
  }

  /** @internal `ControlHandler`: the application's `ping()`, from outside the graph. */
  pingFromControls(payload: Uint8Array, result: Deferred<number>): void {
    this.invokeFromOutside(ProtocolStageLogic.prototype.sendPingRequest, { payload, result });
  }

  private closeFromAppRequest(request: { code: number | undefined; reason: string }): void {
    this.closeFromApp(request.code, request.reason);
  }

  private sendPingRequest(request: { payload: Uint8Array; result: Deferred<number> }): void {
    this.sendPing(request.payload, request.result);
  }

  override preStart(): void {
    this.controls.bind(this);
    this.setKeepGoing(true);
    this.pullBytesIn();
    this.requestFrame();
    const { idleTimeout, periodicKeepAliveMaxIdle } = this.settings;
    if (idleTimeout !== undefined || periodicKeepAliveMaxIdle !== undefined) {
      this.flags |= TRACKS_ACTIVITY;
      this.lastActivity = performance.now();
    }
    if (idleTimeout !== undefined) this.scheduleOnce(IDLE_TIMER, idleTimeout);
    if (periodicKeepAliveMaxIdle !== undefined) this.scheduleOnce(KEEPALIVE_TIMER, periodicKeepAliveMaxIdle);
  }

  override postStop(): void {
    this.controls.settleClosed({ code: CloseCode.AbnormalClosure, reason: "", wasClean: false });
    // Frames that will never be written: those from the frame arena go back to it.
    for (let bytes = this.protocol.nextDataToSend(); bytes; bytes = this.protocol.nextDataToSend()) {
      releaseFrame(bytes);
    }
    const pings = this.pings;
    if (pings === undefined || pings.length === 0) return;
    const error = new InvalidStateError(
      "the connection closed before the pong arrived",
      "WS_ERR_CONNECTION_CLOSED",
    );
    for (const ping of pings) ping.result.reject(error);
    pings.length = 0;
  }

  // ---- incoming ---------------------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (hasFlag(this.flags, TRACKS_ACTIVITY)) this.lastActivity = performance.now();
    this.flags &= ~INPUT_KEPT;
    this.protocol.receiveData(chunk);
    this.afterProtocol();
    // The protocol decodes a chunk whole and keeps none of it (headers and control payloads cut
    // short are copied). Once its events are handled too, and the message half kept no view of
    // it, nothing refers to the chunk: the transport may read into its memory again.
    const returnInput = this.settings.returnInput;
    if (returnInput !== undefined && this.eventsOut === undefined && !hasFlag(this.flags, INPUT_KEPT))
      returnInput(chunk);
  }

  /** The message half hands a view of the chunk being received to the application. */
  protected keepsInput(): void {
    this.flags |= INPUT_KEPT;
  }

  /** Takes the protocol's events and bytes after any input or command. */
  private afterProtocol(): void {
    for (let event = this.protocol.nextEvent(); event; event = this.protocol.nextEvent()) this.onEvent(event);
    this.flushBytes();
    this.deliverEvents();
    const deadline = this.protocol.deadline();
    if (deadline !== undefined && !this.isTimerActive(CLOSE_TIMER)) {
      this.scheduleOnce(CLOSE_TIMER, Math.max(0, deadline - Date.now()));
    }
    this.pullBytesIn();
  }

  private onEvent(event: ProtocolEvent): void {
    const log = this.settings.logFrames;
    switch (event.kind) {
      case "message":
      case "message-start":
      case "message-data":
      case "message-end":
        // Nobody reads any more (cancelled) or the connection failed: drop, keep reading to the Close.
        if (
          !hasFlag(this.flags, INCOMING_ENDED | INCOMING_CANCELLED) &&
          (this.termination === undefined || this.termination.error === undefined)
        ) {
          (this.eventsOut ??= Fifo.take()).push(event);
        }
        if (log && event.kind === "message") log(`< ${event.messageType} ${event.data.length} bytes`);
        if (log && event.kind === "message-start") {
          log(`< ${event.messageType}${event.singleFrame ? ` ${event.frameLength} bytes` : " (fragmented)"}`);
        }
        return;
      case "ping":
        log?.(`< ping ${event.data.length} bytes; > pong`);
        return;
      case "pong":
        log?.(`< pong ${event.data.length} bytes`);
        this.onPong(event.data);
        return;
      case "close-received":
        log?.(`< close ${event.code}${event.reason ? ` ${event.reason}` : ""}`);
        this.onPeerClose(event.code, event.reason);
        return;
      case "protocol-error": {
        log?.(`! ${event.violation.message}; > close ${event.violation.closeCode}`);
        const error = ProtocolError.from(event.violation);
        this.termination = { error };
        // Our Close is sent: no data frame may follow it. Stopping the outgoing side now also
        // cancels a streamed message it was sending, which may be the one arriving (an echo):
        // otherwise that message's queued pieces would wait for a consumer that can never send.
        this.stopOutgoing(error);
        return;
      }
      case "closed":
        this.onClosed(event.code, event.reason, event.wasClean);
        return;
    }
  }

  /**
   * The peer sent Close. The incoming side ends (normally for 1000, 1001 or no code; with
   * PeerClosedConnectionException otherwise) once its messages are delivered; our Close answers
   * when the application's outgoing side completes, or after a short grace period.
   */
  private onPeerClose(code: number, reason: string): void {
    if (this.protocol.closeSent) return; // the answer to our own Close: nothing to decide
    if (this.termination === undefined) {
      const normal =
        code === CloseCode.NormalClosure ||
        code === CloseCode.GoingAway ||
        code === CloseCode.NoStatusReceived;
      this.termination = normal ? {} : { error: new PeerClosedConnectionException(code, reason) };
    }
    this.flags |= PEER_CLOSED;
    if (this.outgoingClosed) this.protocol.replyToClose();
    else this.scheduleOnce(CLOSE_REPLY_TIMER, Math.min(CLOSE_REPLY_GRACE_MS, this.settings.closeTimeout));
  }

  private onClosed(code: number, reason: string, wasClean: boolean): void {
    this.controls.settleClosed({ code, reason, wasClean });
    if (this.termination === undefined) {
      // A close we started and the peer answered is normal whatever code we chose; a peer's own
      // close is normal only with 1000, 1001 or no code (Akka's rule).
      const normal =
        (hasFlag(this.flags, WE_INITIATED_CLOSE) && wasClean) ||
        code === CloseCode.NormalClosure ||
        code === CloseCode.GoingAway ||
        code === CloseCode.NoStatusReceived;
      this.termination = normal ? {} : { error: new PeerClosedConnectionException(code, reason) };
    }
    this.stopOutgoing();
    this.cancel(this.in2);
    this.flushBytes();
    if (!this.protocol.hasDataToSend()) this.complete(this.out1);
    this.deliverEvents();
  }

  /**
   * Delivers queued message events while the message half wants them (it calls this when it can
   * take events again); ends the incoming side or reads on once none is left.
   */
  protected deliverEvents(): void {
    // Not re-entered: the message half's event handler does not call back into it.
    for (
      let queue = this.eventsOut;
      queue !== undefined && !hasFlag(this.flags, INCOMING_CANCELLED) && this.wantsEvent(queue.peek()!);
      queue = this.eventsOut
    ) {
      this.onMessageEvent(this.takeEvent());
    }
    if (this.eventsOut === undefined) {
      if (
        this.termination !== undefined &&
        (this.termination.error !== undefined ||
          this.protocol.state === "CLOSED" ||
          hasFlag(this.flags, PEER_CLOSED))
      ) {
        if (this.holdsMessageData()) return; // delivered again when its consumer asks
        this.endIncoming(this.termination.error);
        this.maybeFinish();
      } else {
        this.pullBytesIn(); // everything delivered: read on
      }
    }
  }

  /** The oldest queued event (there is one); an emptied queue goes back to the pool. */
  private takeEvent(): MessageEvent {
    const queue = this.eventsOut!;
    const event = queue.shift()!;
    if (queue.releaseIfEmpty()) this.eventsOut = undefined;
    return event;
  }

  private dropEvents(): void {
    const queue = this.eventsOut;
    if (queue === undefined) return;
    this.eventsOut = undefined;
    queue.release();
  }

  private pullBytesIn(): void {
    if (this.eventsOut !== undefined) return; // back-pressure: deliver what we have first
    if (this.isClosed(this.in2) || this.hasBeenPulled(this.in2)) return;
    this.pull(this.in2);
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  private send(frame: OutgoingFrame): void {
    if (hasFlag(this.flags, TRACKS_ACTIVITY)) this.lastActivity = performance.now();
    if (this.protocol.closeSent) return; // the application's late frames after a close are dropped
    const options =
      frame.rsv1 === true ? (frame.fin ? COMPRESSED_FINAL : COMPRESSED) : frame.fin ? FINAL : NOT_FINAL;
    const payload = frame.payload;
    if (frame.opcode === Opcode.Text) this.protocol.sendText(payload, options);
    else if (frame.opcode === Opcode.Binary) this.protocol.sendBinary(payload as Uint8Array, options);
    else this.protocol.sendContinuation(payload, options);
    const log = this.settings.logFrames;
    if (log) {
      const bytes = typeof payload === "string" ? utf8Length(payload) : payload.length;
      log(`> ${opName(frame.opcode)} ${bytes} bytes${frame.fin ? "" : " (more)"}`);
    }
    this.flushBytes();
  }

  private flushBytes(): void {
    // Straight from the protocol's queue: what the network cannot take yet waits there.
    while (this.isAvailable(this.out1)) {
      const bytes = this.protocol.nextDataToSend();
      if (bytes === undefined) break;
      this.push(this.out1, bytes);
    }
    if (this.protocol.hasDataToSend()) return;
    if (this.protocol.shouldCloseTransport() || this.protocol.state === "CLOSED") {
      this.complete(this.out1);
      this.settleIfClosedByUs();
      this.maybeFinish();
    } else if (!this.protocol.closeSent) {
      this.requestFrame(); // the network took everything: take the next frame
    }
  }

  /**
   * A server closes the TCP connection first once the closing handshake is done (RFC 6455
   * §7.1.1), and the stage may stop before the client's end of it arrives: the connection closed
   * cleanly, with the client's code (§7.1.5), not abnormally as a stage stopping early reports.
   */
  private settleIfClosedByUs(): void {
    const received = this.protocol.closeReceived;
    if (this.protocol.state === "CLOSED" || received === undefined || !this.protocol.closeSent) return;
    this.controls.settleClosed({
      code: received.code,
      reason: received.reason,
      wasClean: this.protocol.failedWith === undefined,
    });
  }

  private closeFromApp(code: number | undefined, reason: string): void {
    if (hasFlag(this.flags, PEER_CLOSED)) {
      this.cancelTimer(CLOSE_REPLY_TIMER);
      this.protocol.replyToClose();
    } else if (!this.protocol.closeSent && this.protocol.state === "OPEN") {
      this.settings.logFrames?.(
        `> close${code === undefined ? "" : ` ${code}`}${reason ? ` ${reason}` : ""}`,
      );
      this.protocol.sendClose(code, reason);
      this.flags |= WE_INITIATED_CLOSE;
    }
    this.afterProtocol();
  }

  private sendPing(payload: Uint8Array, result: Deferred<number>): void {
    if (this.protocol.closeSent || this.protocol.state !== "OPEN") {
      return result.reject(
        new InvalidStateError("cannot ping: the connection is closing", "WS_ERR_SEND_AFTER_CLOSE"),
      );
    }
    try {
      this.protocol.sendPing(payload);
    } catch (error) {
      return result.reject(error);
    }
    this.settings.logFrames?.(`> ping ${payload.length} bytes`);
    (this.pings ??= []).push({ payload: key(payload), started: performance.now(), result });
    this.flushBytes();
  }

  private onPong(data: Uint8Array): void {
    this.flags &= ~PONG_PENDING;
    this.cancelTimer(PONG_TIMER);
    const k = key(data);
    const index = this.pings?.findIndex((p) => p.payload === k) ?? -1;
    if (index !== -1) {
      const [ping] = this.pings!.splice(index, 1);
      ping!.result.resolve(performance.now() - ping!.started);
    }
  }

  // ---- timers and termination ---------------------------------------------------------------------

  protected override onTimer(timer: unknown): void {
    const now = performance.now();
    const idle = now - this.lastActivity;
    if (timer === CLOSE_REPLY_TIMER) {
      this.protocol.replyToClose();
      this.afterProtocol();
    } else if (timer === CLOSE_TIMER) {
      this.protocol.onDeadline(Date.now());
      this.afterProtocol();
    } else if (timer === IDLE_TIMER) {
      const limit = this.settings.idleTimeout!;
      if (idle >= limit) this.failConnection(new IdleTimeoutError(limit), CloseCode.GoingAway);
      else this.scheduleOnce(IDLE_TIMER, limit - idle);
    } else if (timer === KEEPALIVE_TIMER) {
      const maxIdle = this.settings.periodicKeepAliveMaxIdle!;
      if (idle >= maxIdle) this.sendKeepAlive();
      this.scheduleOnce(KEEPALIVE_TIMER, idle >= maxIdle ? maxIdle : maxIdle - idle);
    } else if (timer === PONG_TIMER && hasFlag(this.flags, PONG_PENDING)) {
      this.failConnection(
        new KeepAliveTimeoutError(this.settings.keepAlivePongTimeout!),
        CloseCode.InternalError,
      );
    }
  }

  private sendKeepAlive(): void {
    if (this.protocol.closeSent || this.protocol.state !== "OPEN") return;
    const data = this.settings.periodicKeepAliveData();
    if (this.settings.periodicKeepAliveMode === "pong") {
      this.protocol.sendPong(data);
      this.settings.logFrames?.(`> pong ${data.length} bytes (keep-alive)`);
    } else {
      this.protocol.sendPing(data);
      this.settings.logFrames?.(`> ping ${data.length} bytes (keep-alive)`);
      const timeout = this.settings.keepAlivePongTimeout;
      if (timeout !== undefined && !hasFlag(this.flags, PONG_PENDING)) {
        this.flags |= PONG_PENDING;
        this.scheduleOnce(PONG_TIMER, timeout);
      }
    }
    this.lastActivity = performance.now();
    this.flushBytes();
  }

  /** Fails the connection: Close with `closeCode` if possible, then the transport is closed. */
  private failConnection(error: unknown, closeCode: number = CloseCode.AbnormalClosure): void {
    this.termination = { error };
    this.dropEvents();
    if (closeCode !== CloseCode.AbnormalClosure && this.protocol.state !== "CLOSED") {
      this.protocol.fail(closeCode, error instanceof Error ? error.message : "");
      this.flushBytes();
    }
    this.controls.settleClosed({ code: CloseCode.AbnormalClosure, reason: "", wasClean: false });
    this.endIncoming(error);
    this.stopOutgoing(error);
    this.cancel(this.in2, error);
    if (!this.protocol.hasDataToSend()) this.complete(this.out1);
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.isClosed(this.out1) && hasFlag(this.flags, INCOMING_ENDED | INCOMING_CANCELLED))
      this.completeStage();
  }
}

function opName(opcode: number): string {
  return opcode === Opcode.Text ? "text" : opcode === Opcode.Binary ? "binary" : "continuation";
}

/** An error's message as a Close reason, cut to fit the frame (a long one must not throw). */
function reasonOf(error: unknown): string {
  return truncateCloseReason(error instanceof Error ? error.message : String(error));
}

/** A ping payload as a map key. */
function key(payload: Uint8Array): string {
  let s = "";
  for (let i = 0; i < payload.length; i++) s += String.fromCharCode(payload[i]!);
  return s;
}
