/**
 * The WebSocket stage: Messages ⇄ bytes. This class is its message half (Akka's message API
 * stage): Messages ⇄ frames and message events; it extends the protocol half
 * (`ProtocolStageLogic`: frames and events ⇄ bytes), and the two run as one stage.
 *
 * Outgoing, a strict message becomes one frame, or several of at most `maxOutgoingFrameSize`
 * bytes so that control frames can go between them; a streamed message is read chunk by chunk
 * from its source (materialized here) and each chunk becomes a fragment: it is never buffered
 * whole.
 *
 * Incoming, a message whose first frame is final and at most `strictThreshold` bytes long is
 * collected and delivered strict; any other is delivered at once as a streamed message whose
 * source yields the chunks as frames arrive (text decoded incrementally, so a chunk never splits
 * a code point). The next message flows only after that source has been consumed or cancelled;
 * a streamed message nobody starts consuming within `streamedMessageTimeout` fails the
 * connection with a clear error instead of stalling it silently.
 */
import { Fifo } from "../codec/fifo.js";
import { concatBytes, decodeUtf8, Opcode, Utf8ChunkDecoder } from "../codec/index.js";
import { BinaryMessage, type Message, TextMessage } from "../message/index.js";
import {
  type Inlet,
  InPortHandler,
  type Outlet,
  OutPortHandler,
  Sink,
  type Source,
} from "../stream/index.js";
import type { ConnectionControls } from "./connection-controls.js";
import { IncompleteMessageError, StreamedMessageNotConsumedError } from "./engine-errors.js";
import type { EngineSettings } from "./engine-settings.js";
import { type MessageEvent, type OutgoingFrame, ProtocolStageLogic } from "./protocol-stage.js";
import { SubSinkLogic, SubSourceChannel } from "./substreams.js";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const STALL_TIMER = "stall";
/**
 * The largest strict message whose memory is allocated at its header. A header costs the peer 14
 * bytes, so above this (only with a `strictThreshold` raised past it) the pieces are kept as they
 * come and joined at the end, and memory grows only with the bytes that actually arrived.
 */
const GATHER_IN_PLACE_MAX = 256 * 1024;

/** The outgoing streamed message being sent. */
interface OutgoingStream {
  readonly sub: SubSinkLogic<string | Uint8Array>;
  readonly opcode: typeof Opcode.Text | typeof Opcode.Binary;
  started: boolean;
  /**
   * A high surrogate that ended the last text chunk: its low half may start the next one (a
   * string cut by UTF-16 code units splits pairs), so it waits to be encoded with it.
   */
  highSurrogate: string | undefined;
}

/** The incoming message being assembled (strict) or relayed (streamed). */
type Incoming =
  | {
      readonly kind: "strict";
      readonly text: boolean;
      /**
       * The message's memory, allocated at its header (whose length is the message's) and filled as
       * pieces arrive; undefined above `GATHER_IN_PLACE_MAX`, where the pieces are kept in `parts`.
       */
      readonly bytes: Uint8Array | undefined;
      readonly parts: Uint8Array[] | undefined;
      filled: number;
    }
  | {
      readonly kind: "streamed";
      readonly channel: SubSourceChannel<string | Uint8Array>;
      readonly decoder: Utf8ChunkDecoder | undefined;
      demand: boolean;
      discarding: boolean;
      /** The whole message arrived before its consumer asked (a big single frame): handed out on demand. */
      last?: string | Uint8Array;
    };

export class MessageStageLogic extends ProtocolStageLogic {
  /** The application's messages to send. */
  readonly in1: Inlet<Message> = this.inlet<Message>("messages.out");
  /** The messages received, to the application. */
  readonly out2: Outlet<Message> = this.outlet<Message>("messages.in");

  /** Frames waiting for the protocol half's demand: a pooled queue, held only while not empty. */
  private frames: Fifo<OutgoingFrame> | undefined = undefined;
  private outgoing: OutgoingStream | undefined;
  private incoming: Incoming | undefined;

  // Substream events (methods, bound per streamed message: an idle connection pays nothing).
  private onSubFailure(error: unknown): void {
    this.outgoing = undefined;
    this.outgoingFailed(error);
    this.cancel(this.in1, error);
  }

  private onSubDemand(): void {
    const incoming = this.incoming;
    if (incoming?.kind !== "streamed") return;
    if (incoming.last !== undefined) {
      incoming.channel.push(incoming.last);
      incoming.last = undefined;
      this.endMessage();
      return this.deliverEvents();
    }
    incoming.demand = true;
    this.deliverEvents();
  }

  private onSubMaterialized(): void {
    this.cancelTimer(STALL_TIMER);
  }

  private onSubCancel(): void {
    const incoming = this.incoming;
    if (incoming?.kind !== "streamed") return;
    this.cancelTimer(STALL_TIMER);
    incoming.discarding = true;
    if (incoming.last !== undefined) {
      incoming.last = undefined;
      this.endMessage();
    }
    this.deliverEvents();
  }

  constructor(settings: EngineSettings, controls: ConnectionControls) {
    super(settings, controls);
    // Handlers call methods of this stage: no closures per port (a connection lives long).
    const M = MessageStageLogic.prototype;
    this.setHandler(this.in1, new InPortHandler(this, M.onAppMessage, M.onAppDone, M.onAppFailed));
    this.setHandler(this.out2, new OutPortHandler(this, M.deliverEvents, M.onAppCancelled));
  }

  private onAppMessage(): void {
    this.sendMessage(this.grab(this.in1));
  }

  private onAppDone(): void {
    this.appDone = true;
    if (this.frames === undefined && !this.outgoing) this.outgoingDone();
  }

  private onAppFailed(error: unknown): void {
    this.outgoingFailed(error);
  }

  protected override onOutgoingStopped(cause: unknown): void {
    this.outgoing?.sub.cancelFromParent();
    this.outgoing = undefined;
    this.cancel(this.in1, cause);
  }

  private onAppCancelled(): void {
    if (this.incoming?.kind === "streamed") {
      this.incoming.channel.fail(new IncompleteMessageError("the connection's incoming side was cancelled"));
    }
    this.incoming = undefined;
    this.cancelIncoming();
  }

  /** Whatever stopped the stage, no substream is left waiting on it. */
  override postStop(): void {
    super.postStop();
    this.outgoing?.sub.cancelFromParent();
    this.outgoing = undefined;
    if (this.incoming?.kind === "streamed") {
      this.incoming.channel.fail(new IncompleteMessageError("the connection stopped"));
    }
    this.incoming = undefined;
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  /** The protocol can take a frame: the next queued one, or ask for more. */
  private queueFrame(frame: OutgoingFrame): void {
    (this.frames ??= Fifo.take()).push(frame);
  }

  /** The oldest waiting frame, if any; an emptied queue goes back to the pool. */
  private takeFrame(): OutgoingFrame | undefined {
    const frames = this.frames;
    if (frames === undefined) return undefined;
    const frame = frames.shift();
    if (frames.releaseIfEmpty()) this.frames = undefined;
    return frame;
  }

  protected override onFrameDemand(): void {
    const frame = this.takeFrame();
    if (frame) {
      this.offerFrame(frame);
    } else if (this.outgoing) {
      this.outgoing.sub.request();
    } else if (this.appDone) {
      this.outgoingDone();
    } else if (!this.hasBeenPulled(this.in1) && !this.isClosed(this.in1)) {
      this.pull(this.in1);
    }
  }

  private sendMessage(message: Message): void {
    const text = message.isText();
    const opcode = text ? Opcode.Text : Opcode.Binary;
    if (message.isStrict()) {
      const compression = this.compression;
      if (compression !== undefined) {
        // Negotiated permessage-deflate: the whole message compressed, RSV1 on its first frame.
        const data = text
          ? encoder.encode(message.getStrictText())
          : message.asBinaryMessage().getStrictData();
        const compressed = compression.compress(data);
        this.queueFrames(opcode, compressed ?? data, true, true, compressed !== undefined);
      } else if (text) {
        const data = message.getStrictText();
        // Surely one frame (3 bytes per UTF-16 unit at most): the protocol encodes it in place.
        if (data.length * 3 <= this.settings.maxOutgoingFrameSize) {
          this.queueFrame({ opcode, payload: data, fin: true });
        } else {
          this.queueFrames(opcode, encoder.encode(data), true, true);
        }
      } else {
        this.queueFrames(opcode, message.asBinaryMessage().getStrictData(), true, true);
      }
      // The application was pulled on a frame demand; it may have gone since (the connection closing).
      if (this.wantsFrame) this.onFrameDemand();
      return;
    }
    const M = MessageStageLogic.prototype;
    const sub = new SubSinkLogic<string | Uint8Array>({
      onElement: (chunk) => this.invokeFromOutside(M.sendChunk, chunk),
      onComplete: () => this.invokeFromOutside(M.endOutgoingStream, undefined),
      onFailure: (error) => this.invokeFromOutside(M.onSubFailure, error),
    });
    this.outgoing = { sub, opcode, started: false, highSurrogate: undefined };
    const source = text ? message.getStreamedText() : message.asBinaryMessage().getStreamedData();
    (source as Source<string | Uint8Array, unknown>).runWith(Sink.fromStage(() => sub));
    sub.request();
  }

  private sendChunk(chunk: string | Uint8Array): void {
    const stream = this.outgoing;
    if (!stream) return;
    const payload = typeof chunk === "string" ? encoder.encode(this.wholeCodePoints(stream, chunk)) : chunk;
    if (payload.length === 0) return stream.sub.request();
    this.queueFrames(stream.opcode, payload, !stream.started, false);
    stream.started = true;
    if (this.wantsFrame) this.onFrameDemand();
  }

  private endOutgoingStream(): void {
    const stream = this.outgoing;
    if (!stream) return;
    this.outgoing = undefined;
    // A high surrogate left at the end has no low half: alone, it encodes as U+FFFD, as it would
    // in the whole text (TextEncoder's rule for lone surrogates).
    const lone = stream.highSurrogate;
    this.queueFrame({
      opcode: stream.started ? Opcode.Continuation : stream.opcode,
      payload: lone === undefined ? EMPTY : encoder.encode(lone),
      fin: true,
    });
    if (this.wantsFrame) this.onFrameDemand();
  }

  /**
   * `chunk` after the high surrogate the last chunk ended with, less a high surrogate it ends with:
   * the chunks' UTF-8 is then the UTF-8 of their concatenation, surrogate pairs split between
   * chunks included (encoding each half alone would give two U+FFFD).
   */
  private wholeCodePoints(stream: OutgoingStream, chunk: string): string {
    const text = stream.highSurrogate === undefined ? chunk : stream.highSurrogate + chunk;
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      stream.highSurrogate = text[text.length - 1];
      return text.slice(0, -1);
    }
    stream.highSurrogate = undefined;
    return text;
  }

  /** Cuts `payload` into frames of at most `maxOutgoingFrameSize` bytes. */
  private queueFrames(
    opcode: OutgoingFrame["opcode"],
    payload: Uint8Array,
    first: boolean,
    last: boolean,
    compressed = false,
  ): void {
    const max = this.settings.maxOutgoingFrameSize;
    let op = first ? opcode : Opcode.Continuation;
    if (payload.length <= max) return this.queueFrame(outgoingFrame(op, payload, last, compressed));
    for (let at = 0; at < payload.length; at += max) {
      const end = Math.min(at + max, payload.length);
      this.queueFrame(
        outgoingFrame(op, payload.subarray(at, end), last && end === payload.length, compressed && at === 0),
      );
      op = Opcode.Continuation;
    }
  }

  // ---- incoming ---------------------------------------------------------------------------------

  /**
   * Whether `event` can be taken now: a message to hand out needs the application's demand, but
   * the start and the pieces of a strict message are only gathered, so they are taken at once (the
   * events of a read are then often all handled while it is delivered, and its memory reused:
   * see `ProtocolStageLogic.receive`).
   */
  protected override wantsEvent(event: MessageEvent): boolean {
    const incoming = this.incoming;
    if (incoming === undefined) {
      return (
        this.isAvailable(this.out2) ||
        (event.kind === "message-start" && this.arrivesStrict(event.singleFrame, event.frameLength))
      );
    }
    if (incoming.kind === "strict") return event.kind !== "message-end" || this.isAvailable(this.out2);
    return incoming.last === undefined && (incoming.demand || incoming.discarding);
  }

  protected override onMessageEvent(event: MessageEvent): void {
    if (event.kind === "message") this.wholeMessage(event.messageType === "text", event.data);
    else if (event.kind === "message-start")
      this.startMessage(event.messageType === "text", event.singleFrame, event.frameLength);
    else if (event.kind === "message-data") this.messageData(event.data);
    else this.endMessage();
  }

  /** The rule: a message whose first frame is final and at most `strictThreshold` long arrives strict. */
  private arrivesStrict(singleFrame: boolean, frameLength: number): boolean {
    return singleFrame && frameLength <= this.settings.strictThreshold;
  }

  private startMessage(text: boolean, singleFrame: boolean, frameLength: number): void {
    if (this.arrivesStrict(singleFrame, frameLength)) {
      // Each piece is copied in as it arrives (not joined at the end): no view of the transport's
      // chunks outlives their delivery, so the transport may read into the same memory again.
      if (frameLength > GATHER_IN_PLACE_MAX) {
        this.incoming = { kind: "strict", text, bytes: undefined, parts: [], filled: 0 };
        return;
      }
      const allocate = this.settings.allocateMessage;
      const bytes = allocate === undefined ? new Uint8Array(frameLength) : allocate(frameLength);
      this.incoming = { kind: "strict", text, bytes, parts: undefined, filled: 0 };
      return;
    }
    const M = MessageStageLogic.prototype;
    const channel = new SubSourceChannel<string | Uint8Array>({
      onMaterialized: () => this.invokeFromOutside(M.onSubMaterialized, undefined),
      onDemand: () => this.invokeFromOutside(M.onSubDemand, undefined),
      onCancel: () => this.invokeFromOutside(M.onSubCancel, undefined),
    });
    this.incoming = {
      kind: "streamed",
      channel,
      decoder: text ? new Utf8ChunkDecoder() : undefined,
      demand: false,
      discarding: false,
    };
    const message = text
      ? TextMessage.create(channel.source as Source<string, unknown>)
      : BinaryMessage.create(channel.source as Source<Uint8Array, unknown>);
    this.scheduleOnce(STALL_TIMER, this.settings.streamedMessageTimeout);
    this.push(this.out2, message);
  }

  /** A single-frame message that arrived in one piece. */
  private wholeMessage(text: boolean, data: Uint8Array): void {
    if (data.length <= this.settings.strictThreshold) {
      if (text) {
        this.push(this.out2, TextMessage.create(decodeUtf8(data)));
      } else {
        this.keepsInput(); // the application gets a view of the transport's chunk
        this.push(this.out2, BinaryMessage.create(data));
      }
      return;
    }
    // Above the threshold it is streamed all the same (the rule does not depend on TCP chunking):
    // its one chunk waits for the consumer's demand.
    this.startMessage(text, true, data.length);
    const incoming = this.incoming as Extract<Incoming, { kind: "streamed" }>;
    if (!text) this.keepsInput();
    incoming.last = text ? decodeUtf8(data) : data;
  }

  private messageData(data: Uint8Array): void {
    const incoming = this.incoming!;
    if (incoming.kind === "strict") {
      if (incoming.bytes !== undefined) {
        incoming.bytes.set(data, incoming.filled);
      } else {
        this.keepsInput(); // a view, joined at the end
        incoming.parts!.push(data);
      }
      incoming.filled += data.length;
      return;
    }
    if (incoming.discarding) return;
    const decoder = incoming.decoder;
    if (decoder === undefined) this.keepsInput(); // the streamed message's consumer gets views
    const chunk = decoder === undefined ? data : decoder.decode(data);
    if (chunk.length === 0) return; // a code point still incomplete: wait for the next bytes
    incoming.demand = false;
    incoming.channel.push(chunk);
  }

  private endMessage(): void {
    const incoming = this.incoming!;
    this.incoming = undefined;
    if (incoming.kind === "strict") {
      // Text too is gathered first: one whole-buffer decode beats decoding piece by piece (see
      // codec/utf8-decoding.ts), and the application gets a flat string, not a chain of pieces.
      const bytes =
        incoming.bytes ?? concatBytes(incoming.parts!, incoming.filled, this.settings.allocateMessage);
      this.push(
        this.out2,
        incoming.text ? TextMessage.create(decodeUtf8(bytes)) : BinaryMessage.create(bytes),
      );
      return;
    }
    this.cancelTimer(STALL_TIMER);
    const rest = incoming.decoder?.end();
    if (rest && !incoming.discarding) incoming.channel.push(rest);
    incoming.channel.complete();
  }

  protected override holdsMessageData(): boolean {
    const incoming = this.incoming;
    return incoming?.kind === "streamed" && incoming.last !== undefined;
  }

  protected override onIncomingEnd(error: unknown): void {
    const incoming = this.incoming;
    this.incoming = undefined;
    if (incoming?.kind === "streamed") {
      this.cancelTimer(STALL_TIMER);
      incoming.channel.fail(error ?? new IncompleteMessageError("the connection closed in the middle of it"));
    }
    if (error === undefined) this.complete(this.out2);
    else this.fail(this.out2, error);
  }

  protected override onTimer(timer: unknown): void {
    if (timer !== STALL_TIMER) return super.onTimer(timer);
    // Nobody consumes the streamed message: both sides fail with the reason, and the connection
    // closes with 1011 (its handshake still runs to the end).
    const error = new StreamedMessageNotConsumedError(this.settings.streamedMessageTimeout);
    if (this.incoming?.kind === "streamed") this.incoming.channel.fail(error);
    this.incoming = undefined;
    this.fail(this.out2, error);
    this.cancelIncoming(error);
    this.outgoingFailed(error); // already closing: this only ends the outgoing side
    this.outgoing?.sub.cancelFromParent();
    this.outgoing = undefined;
    this.cancel(this.in1, error);
  }
}

/** A frame to send; RSV1 marks a compressed message's first frame only (RFC 7692 §6.1). */
function outgoingFrame(
  opcode: OutgoingFrame["opcode"],
  payload: Uint8Array,
  fin: boolean,
  rsv1: boolean,
): OutgoingFrame {
  return rsv1 ? { opcode, payload, fin, rsv1 } : { opcode, payload, fin };
}
