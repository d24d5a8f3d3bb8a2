/**
 * The sans-I/O WebSocket connection (RFC 6455 §5-§7), after the opening handshake.
 *
 * Four verbs, as in Python `websockets`: feed received bytes with {@link WebSocketProtocol.receiveData}
 * (and the end of the stream with {@link WebSocketProtocol.receiveEof}), take the resulting
 * {@link WebSocketProtocol.eventsReceived} and {@link WebSocketProtocol.dataToSend}, and close the
 * transport when {@link WebSocketProtocol.shouldCloseTransport} says so. Nothing here does I/O or
 * keeps a timer: the closing handshake's time-out is an output, {@link WebSocketProtocol.deadline},
 * that the I/O layer honours by calling {@link WebSocketProtocol.onDeadline}.
 *
 * Peer errors never throw: they fail the connection (Close with 1002, 1007 or 1009) and are reported
 * as a `protocol-error` event. Local misuse (sending after Close, a bad close code) throws at once.
 */
import { hasFlag, withFlag } from "../codec/bit-flags.js";
import { Fifo } from "../codec/fifo.js";
import {
  type BulkUtf8Check,
  type ByteAllocator,
  CloseCode,
  concatBytes,
  defaultAllocator,
  encodeClosePayload,
  encodeMaskedFrame,
  encodeUnmaskedFrame,
  FrameDecoder,
  type FrameDecoderOptions,
  InvalidArgumentError,
  InvalidStateError,
  isValidUtf8,
  type MaskKeySource,
  Opcode,
  type ProtocolViolation,
  parseClosePayload,
  RSV1_BIT,
  sharedMaskKeySource,
  truncateCloseReason,
  violation,
} from "../codec/index.js";
import { ConnectionState } from "./connection-state.js";
import {
  type IncomingFrameReceiver,
  IncomingFrames,
  type IncomingOptions,
  type MessageType,
} from "./incoming-frames.js";
import type { MessageCompression } from "./message-compression.js";
import { MESSAGE_END, type ProtocolEvent } from "./protocol-event.js";

/** Which end of the connection this is. Clients mask what they send; servers require masked input. */
export type Role = "client" | "server";

/** Settings of a {@link WebSocketProtocol}. */
export interface ProtocolOptions {
  readonly role: Role;
  /** Largest accepted frame payload (1009 beyond). Default 16 MiB. */
  readonly maxFrameSize?: number;
  /** Largest accepted message, all fragments together (1009 beyond). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Whether an extension negotiated RSV1 (permessage-deflate). Default false. */
  readonly allowRsv1?: boolean;
  /** How long to wait for the peer's Close and the end of the transport after ours, in ms. Default 5000. */
  readonly closeTimeout?: number;
  /** Source of masking keys (clients only). Default: pooled `crypto.getRandomValues`. */
  readonly maskKeys?: MaskKeySource;
  /** The clock deadlines are measured on, in ms. Default `Date.now`. */
  readonly clock?: () => number;
  /** A native UTF-8 check for long text chunks (e.g. `isUtf8` from `node:buffer`); same results, faster. */
  readonly utf8Bulk?: BulkUtf8Check;
  /** Where outgoing masked frames are built (default: slab-allocated memory). */
  readonly allocate?: ByteAllocator;
  /**
   * "auto" (default): a received Close is answered at once. "manual": the caller answers it with
   * `replyToClose()` (or `sendClose`) after sending what the application still had to say; if the
   * transport ends first, {@link WebSocketProtocol.receiveEof} answers it.
   */
  readonly closeReply?: "auto" | "manual";
}

/** Options of one outgoing frame. */
export interface SendOptions {
  /** Final fragment (default true). */
  readonly fin?: boolean;
  /** Set RSV1 (a compressed message under permessage-deflate). */
  readonly rsv1?: boolean;
}

/** Defaults of {@link ProtocolOptions}. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
export const DEFAULT_CLOSE_TIMEOUT = 5000;

const encoder = new TextEncoder();
/** Longest text (in UTF-16 units) encoded through the scratch: 3 bytes per unit at most. */
const SCRATCH_MAX_CHARS = 64 * 1024;
/**
 * Outgoing text on its way into a masked frame; used and done with within one call. Its memory is
 * kept apart so the encoded bytes' view is made by the constructor, without `subarray`'s species
 * lookup and getter calls.
 */
let textScratchMemory = new ArrayBuffer(0);
let textScratch = new Uint8Array(textScratchMemory);
const EMPTY = new Uint8Array(0);

function checkLimit(name: string, value: number): number {
  if (!(value > 0) || !(Number.isSafeInteger(value) || value === Number.POSITIVE_INFINITY)) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

// The state machine's yes/no states, bits of its `flags`.
/** We are the client (we mask). */
const CLIENT = 1;
/** A received Close is answered at once (the `closeReply: "auto"` option). */
const AUTO_CLOSE_REPLY = 2;
/** A fragmented outgoing message is open: the next data frame must be a continuation. */
const OUTGOING_MESSAGE_OPEN = 4;
const CLOSE_SENT = 8;
/** The transport should be closed now (see `shouldCloseTransport`). */
const CLOSE_TRANSPORT = 16;
/** A single-frame message's start is held back; it is text; it has RSV1. */
const HELD_ACTIVE = 32;
const HELD_TEXT = 64;
const HELD_RSV1 = 128;
/** The state: OPEN with neither bit (a field less than the state's name). */
const STATE_CLOSING = 256;
const STATE_CLOSED = 512;

/**
 * The closing handshake's and a failure's record: one field of the protocol instead of four, made
 * only when a Close is sent or received or the connection fails (an open connection has none).
 */
class ClosingRecord {
  /** The code we closed with (undefined for an empty Close). */
  sentCode: number | undefined = undefined;
  /** The peer's Close. */
  received: { code: number; reason: string } | undefined = undefined;
  /** When we stop waiting for the peer's Close and the end of the transport (on `clock`). */
  deadline: number | undefined = undefined;
  /** The violation we failed the connection for. */
  failure: ProtocolViolation | undefined = undefined;
}

/**
 * What a protocol takes from its options, checked and with defaults applied: made once per options
 * object and shared by every protocol made from it (the engine passes one options object for all
 * its connections), so that a protocol, its decoder and its frame assembler, which live as long as
 * their connection, each keep one reference instead of eight fields between them.
 */
interface ProtocolConfig {
  readonly maskKeys: MaskKeySource | undefined;
  readonly allocate: ByteAllocator;
  readonly clock: () => number;
  readonly closeTimeout: number;
  readonly incoming: IncomingOptions;
  readonly decoder: FrameDecoderOptions;
}

const configs = new WeakMap<ProtocolOptions, ProtocolConfig>();

function configFor(options: ProtocolOptions): ProtocolConfig {
  let config = configs.get(options);
  if (config !== undefined) return config;
  const client = options.role === "client";
  config = {
    maskKeys: client ? (options.maskKeys ?? sharedMaskKeySource()) : undefined,
    allocate: options.allocate ?? defaultAllocator,
    clock: options.clock ?? Date.now,
    closeTimeout: checkLimit("closeTimeout", options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT),
    incoming: {
      maxMessageSize: checkLimit("maxMessageSize", options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE),
      ...(options.utf8Bulk ? { utf8Bulk: options.utf8Bulk } : {}),
    },
    decoder: {
      expectMasked: !client,
      maxFrameSize: checkLimit("maxFrameSize", options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE),
      allowedRsv: options.allowRsv1 ? RSV1_BIT : 0,
    },
  };
  configs.set(options, config);
  return config;
}

/** The connection state machine. */
export class WebSocketProtocol implements IncomingFrameReceiver {
  private readonly decoder: FrameDecoder;
  private readonly incoming: IncomingFrames;
  /** Events not taken yet, and bytes not taken yet: pooled queues, held only while not empty. */
  private events: Fifo<ProtocolEvent> | undefined = undefined;
  private output: Fifo<Uint8Array> | undefined = undefined;
  /** The options with defaults applied, shared with every protocol made from the same options. */
  private readonly config: ProtocolConfig;
  /** The yes/no states, bits of one number (see the flag constants): a connection lives long. */
  private flags = 0;
  /** What the closing handshake or a failure recorded; made when the first of them happens. */
  private closing: ClosingRecord | undefined;
  /**
   * A single-frame message whose start is held back (see onMessageStart): its length and data;
   * HELD_ACTIVE, HELD_TEXT and HELD_RSV1 in `flags`. Fields, not an object, to save an allocation.
   */
  private heldLength = 0;
  private heldData: Uint8Array | undefined;
  /** With a compression extension: it, and the compressed message being received. */
  private compressed: CompressedIncoming | undefined;

  constructor(options: ProtocolOptions) {
    const config = configFor(options);
    this.config = config;
    if (options.role === "client") this.flags |= CLIENT;
    if ((options.closeReply ?? "auto") === "auto") this.flags |= AUTO_CLOSE_REPLY;
    this.incoming = new IncomingFrames(this, config.incoming);
    this.decoder = new FrameDecoder(this.incoming, config.decoder);
  }

  /**
   * Turns on a per-message compression extension the opening handshake negotiated (RFC 7692):
   * from now on a received message with RSV1 on its first frame is decompressed as a whole before
   * it is checked (UTF-8 for text) and delivered. Outgoing messages are compressed by the caller,
   * which sets `rsv1` on their first frame.
   */
  enableCompression(compression: MessageCompression): void {
    this.compressed = new CompressedIncoming(compression);
    this.decoder.allowRsv(RSV1_BIT);
  }

  /** The compression extension turned on by {@link enableCompression}, if any. */
  get compression(): MessageCompression | undefined {
    return this.compressed?.compression;
  }

  private get isClient(): boolean {
    return hasFlag(this.flags, CLIENT);
  }

  /** OPEN, CLOSING or CLOSED. */
  get state(): ConnectionState {
    const flags = this.flags;
    return hasFlag(flags, STATE_CLOSED)
      ? ConnectionState.Closed
      : hasFlag(flags, STATE_CLOSING)
        ? ConnectionState.Closing
        : ConnectionState.Open;
  }

  /** Whether we have sent a Close frame. */
  get closeSent(): boolean {
    return hasFlag(this.flags, CLOSE_SENT);
  }

  /** The peer's Close, once received. */
  get closeReceived(): { readonly code: number; readonly reason: string } | undefined {
    return this.closing?.received;
  }

  /** The violation we failed the connection for, if any. */
  get failedWith(): ProtocolViolation | undefined {
    return this.closing?.failure;
  }

  // ---- input ----------------------------------------------------------------------------------

  /** Feeds bytes received from the transport. The protocol takes ownership of `data` (it unmasks in place). */
  receiveData(data: Uint8Array): void {
    if (hasFlag(this.flags, STATE_CLOSED)) return;
    this.decoder.push(data);
  }

  /**
   * The transport's input ended (EOF): the connection is CLOSED. A received Close still waiting
   * for its manual reply is answered first (RFC 6455 §5.5.1): a peer that half-closes TCP right
   * after its Close still reads, and the reply, queued in {@link dataToSend}, makes the close clean.
   */
  receiveEof(): void {
    if (hasFlag(this.flags, STATE_CLOSED)) return;
    this.decoder.stop();
    this.replyToClose();
    this.finish();
  }

  /** Returns and forgets the events produced since the last call. */
  eventsReceived(): ProtocolEvent[] {
    const events = this.events;
    this.events = undefined;
    return events === undefined ? [] : events.takeAllAndRelease();
  }

  /**
   * Returns and forgets the oldest event not taken yet, or undefined: `eventsReceived` one at a
   * time, without an array per call (for per-message paths).
   */
  nextEvent(): ProtocolEvent | undefined {
    const events = this.events;
    if (events === undefined) return undefined;
    const event = events.shift();
    if (events.releaseIfEmpty()) this.events = undefined;
    return event;
  }

  /** Returns and forgets the bytes to write, in order (a gather list: write them corked or with writev). */
  dataToSend(): Uint8Array[] {
    const output = this.output;
    this.output = undefined;
    return output === undefined ? [] : output.takeAllAndRelease();
  }

  /** Whether bytes are waiting to be taken with `dataToSend` / `nextDataToSend`. */
  hasDataToSend(): boolean {
    return this.output !== undefined;
  }

  /** Returns and forgets the oldest bytes to write, or undefined: `dataToSend` one chunk at a time. */
  nextDataToSend(): Uint8Array | undefined {
    const output = this.output;
    if (output === undefined) return undefined;
    const bytes = output.shift();
    if (output.releaseIfEmpty()) this.output = undefined;
    return bytes;
  }

  /**
   * Whether the I/O layer should close the transport once `dataToSend()` is written: after failing
   * the connection, after the closing handshake on a server, or when the close deadline passed.
   * A client otherwise waits for the server to close first (RFC 6455 §7.1.1).
   */
  shouldCloseTransport(): boolean {
    return hasFlag(this.flags, CLOSE_TRANSPORT);
  }

  /** When {@link onDeadline} must be called (on `clock`), or undefined when nothing is pending. */
  deadline(): number | undefined {
    return hasFlag(this.flags, STATE_CLOSING) ? this.closing?.deadline : undefined;
  }

  /** Tells the protocol the time is `now`: past the close deadline, it gives up on the peer. */
  onDeadline(now: number = this.config.clock()): void {
    const at = this.deadline();
    if (at === undefined || now < at) return;
    this.flags |= CLOSE_TRANSPORT;
    this.decoder.stop();
    this.finish();
  }

  // ---- output ---------------------------------------------------------------------------------

  /** Sends a text frame starting a message (or a whole one, with `fin` true, the default). */
  sendText(payload: Uint8Array | string, options?: SendOptions): void {
    this.sendDataFrame(
      Opcode.Text,
      typeof payload === "string" ? this.encodeText(payload) : payload,
      options,
    );
  }

  /** Sends a binary frame starting a message (or a whole one). */
  sendBinary(payload: Uint8Array, options?: SendOptions): void {
    this.sendDataFrame(Opcode.Binary, payload, options);
  }

  /** Sends the next fragment of the open message; `fin` true ends it. */
  sendContinuation(payload: Uint8Array | string, options?: SendOptions): void {
    this.sendDataFrame(
      Opcode.Continuation,
      typeof payload === "string" ? this.encodeText(payload) : payload,
      options,
    );
  }

  /**
   * UTF-8 of outgoing text. A client masks the payload into its frame buffer — a copy anyway —
   * so the text goes through a shared scratch buffer instead of an array per message; a server's
   * frame refers to the payload itself, which must then be its own.
   */
  private encodeText(text: string): Uint8Array {
    if (this.config.maskKeys === undefined || text.length > SCRATCH_MAX_CHARS) return encoder.encode(text);
    const needed = text.length * 3;
    if (textScratch.length < needed) {
      textScratchMemory = new ArrayBuffer(Math.max(needed, 4096));
      textScratch = new Uint8Array(textScratchMemory);
    }
    return new Uint8Array(textScratchMemory, 0, encoder.encodeInto(text, textScratch).written);
  }

  /** Sends a Ping (payload at most 125 bytes). */
  sendPing(payload: Uint8Array = EMPTY): void {
    this.checkCanSend("ping");
    this.checkControlPayload(payload);
    this.writeFrame(Opcode.Ping, payload, undefined);
  }

  /** Sends a Pong: a reply, or an unsolicited keep-alive (RFC 6455 §5.5.3). */
  sendPong(payload: Uint8Array = EMPTY): void {
    this.checkCanSend("pong");
    this.checkControlPayload(payload);
    this.writeFrame(Opcode.Pong, payload, undefined);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): sends Close with `code` (none: an empty Close)
   * and `reason`. Data may still arrive until the peer's Close. Throws {@link InvalidArgumentError}
   * for an invalid code or reason and {@link InvalidStateError} if Close was already sent.
   */
  sendClose(code?: number, reason = ""): void {
    const payload = encodeClosePayload(code, reason);
    if (hasFlag(this.flags, CLOSE_SENT) || hasFlag(this.flags, STATE_CLOSED)) {
      throw new InvalidStateError("Close was already sent", "WS_ERR_ALREADY_CLOSING");
    }
    this.writeClose(code, payload);
    if (this.closing?.received && !this.isClient) this.flags |= CLOSE_TRANSPORT;
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): sends Close with `code` unless one was sent, and asks
   * for the transport to be closed. Further input is ignored.
   */
  fail(code: number, reason = ""): void {
    if (hasFlag(this.flags, STATE_CLOSED)) return;
    if (!hasFlag(this.flags, CLOSE_SENT))
      this.writeClose(code, encodeClosePayload(code, truncateCloseReason(reason)));
    this.decoder.stop();
    this.flags |= CLOSE_TRANSPORT;
  }

  // ---- IncomingFrameReceiver ------------------------------------------------------------------

  /** @internal */
  onMessageStart(messageType: MessageType, singleFrame: boolean, frameLength: number, rsv1: boolean): void {
    if (this.closing?.received) return;
    if (rsv1 && this.compressed !== undefined) return this.compressed.start(messageType, singleFrame);
    if (singleFrame) {
      // Held back: if the payload comes in one piece, the whole message is one event.
      this.flags |= HELD_ACTIVE;
      this.flags = withFlag(this.flags, HELD_TEXT, messageType === "text");
      this.flags = withFlag(this.flags, HELD_RSV1, rsv1);
      this.heldLength = frameLength;
      this.heldData = undefined;
      return;
    }
    this.emit({ kind: "message-start", messageType, singleFrame, frameLength, rsv1 });
  }

  /** @internal */
  onMessageData(data: Uint8Array): void {
    if (this.closing?.received) return;
    if (this.compressed?.active === true) return this.compressed.add(data);
    if (hasFlag(this.flags, HELD_ACTIVE)) {
      if (this.heldData === undefined && data.length === this.heldLength) {
        this.heldData = data;
        return;
      }
      this.releaseHeld();
    }
    this.emit({ kind: "message-data", data });
  }

  /** @internal */
  onMessageEnd(): void {
    if (this.closing?.received) return;
    if (this.compressed?.active === true) return this.endCompressed(this.compressed);
    if (hasFlag(this.flags, HELD_ACTIVE)) {
      this.flags &= ~HELD_ACTIVE;
      const data = this.heldData ?? EMPTY;
      this.heldData = undefined;
      this.emit({
        kind: "message",
        messageType: hasFlag(this.flags, HELD_TEXT) ? "text" : "binary",
        data,
        rsv1: hasFlag(this.flags, HELD_RSV1),
      });
      return;
    }
    this.emit(MESSAGE_END);
  }

  /**
   * A compressed message is complete: decompressed within `maxMessageSize`, checked, and delivered
   * as the message it was (one event for a single frame; start, data, end for a fragmented one).
   */
  private endCompressed(compressed: CompressedIncoming): void {
    const { messageType, singleFrame } = compressed;
    const data = compressed.compression.decompress(compressed.take(), this.config.incoming.maxMessageSize);
    if (data === "too-big") {
      return this.onViolation(
        violation(
          "WS_ERR_MESSAGE_TOO_BIG",
          1009,
          "RFC 6455 §7.4.1",
          `decompressed message exceeds maxMessageSize (${this.config.incoming.maxMessageSize})`,
        ),
      );
    }
    if (data === "invalid") {
      return this.onViolation(
        violation(
          "WS_ERR_INVALID_COMPRESSED_DATA",
          1007,
          "RFC 7692 §7.2.2",
          "compressed message is not valid DEFLATE data",
        ),
      );
    }
    if (messageType === "text" && !isValidUtf8(data, this.config.incoming.utf8Bulk)) {
      return this.onViolation(
        violation("WS_ERR_INVALID_UTF8", 1007, "RFC 6455 §8.1", "text message is not valid UTF-8"),
      );
    }
    if (singleFrame) {
      this.emit({ kind: "message", messageType, data, rsv1: false });
      return;
    }
    this.emit({ kind: "message-start", messageType, singleFrame, frameLength: data.length, rsv1: false });
    if (data.length > 0) this.emit({ kind: "message-data", data });
    this.emit(MESSAGE_END);
  }

  /** Emits a held-back single-frame start (and its first piece) as separate events. */
  private releaseHeld(): void {
    this.flags &= ~HELD_ACTIVE;
    const messageType = hasFlag(this.flags, HELD_TEXT) ? "text" : "binary";
    this.emit({
      kind: "message-start",
      messageType,
      singleFrame: true,
      frameLength: this.heldLength,
      rsv1: hasFlag(this.flags, HELD_RSV1),
    });
    if (this.heldData !== undefined) this.emit({ kind: "message-data", data: this.heldData });
    this.heldData = undefined;
  }

  /** @internal */
  onControlFrame(opcode: number, payload: Uint8Array): void {
    if (opcode === Opcode.Ping) {
      if (!hasFlag(this.flags, CLOSE_SENT)) this.writeFrame(Opcode.Pong, payload, undefined);
      this.emit({ kind: "ping", data: payload });
    } else if (opcode === Opcode.Pong) {
      this.emit({ kind: "pong", data: payload });
    } else {
      this.receiveClose(payload);
    }
  }

  /** @internal */
  onViolation(v: ProtocolViolation): void {
    this.record().failure = v;
    this.emit({ kind: "protocol-error", violation: v });
    this.fail(v.closeCode, v.message);
  }

  // ---- internals ------------------------------------------------------------------------------

  private receiveClose(payload: Uint8Array): void {
    const parsed = parseClosePayload(payload);
    if ("closeCode" in parsed) return this.onViolation(parsed);
    this.record().received = parsed;
    this.emit({ kind: "close-received", code: parsed.code, reason: parsed.reason });
    // Nothing after a Close is meaningful (RFC 6455 §5.5.1).
    this.decoder.stop();
    if (hasFlag(this.flags, CLOSE_SENT)) {
      if (!this.isClient) this.flags |= CLOSE_TRANSPORT;
    } else if (hasFlag(this.flags, AUTO_CLOSE_REPLY)) {
      this.replyToClose();
    }
  }

  /**
   * Answers the peer's Close (with its code) when `closeReply` is "manual": the caller first lets
   * the application send what it still has (RFC 6455 §5.5.1 allows delaying the reply until the
   * current message is sent). Does nothing if no Close was received or one was already sent.
   */
  replyToClose(): void {
    const received = this.closing?.received;
    if (!received || hasFlag(this.flags, CLOSE_SENT) || hasFlag(this.flags, STATE_CLOSED)) return;
    const echo = received.code === CloseCode.NoStatusReceived ? undefined : received.code;
    this.writeClose(echo, encodeClosePayload(echo));
    if (!this.isClient) this.flags |= CLOSE_TRANSPORT;
  }

  private record(): ClosingRecord {
    return (this.closing ??= new ClosingRecord());
  }

  private writeClose(code: number | undefined, payload: Uint8Array): void {
    this.writeFrame(Opcode.Close, payload, undefined);
    this.flags |= CLOSE_SENT;
    const record = this.record();
    record.sentCode = code;
    this.flags |= STATE_CLOSING;
    record.deadline = this.config.clock() + this.config.closeTimeout;
  }

  private emit(event: ProtocolEvent): void {
    (this.events ??= Fifo.take()).push(event);
  }

  private queueOutput(bytes: Uint8Array): void {
    (this.output ??= Fifo.take()).push(bytes);
  }

  private finish(): void {
    const received = this.closing?.received;
    this.flags = (this.flags & ~STATE_CLOSING) | STATE_CLOSED;
    this.emit({
      kind: "closed",
      code: received?.code ?? CloseCode.AbnormalClosure,
      reason: received?.reason ?? "",
      wasClean:
        received !== undefined && hasFlag(this.flags, CLOSE_SENT) && this.closing?.failure === undefined,
    });
  }

  private sendDataFrame(opcode: number, payload: Uint8Array, options: SendOptions | undefined): void {
    this.checkCanSend("data");
    const continuation = opcode === Opcode.Continuation;
    if (continuation !== hasFlag(this.flags, OUTGOING_MESSAGE_OPEN)) {
      throw new InvalidStateError(
        continuation
          ? "no fragmented message is open: start one with sendText or sendBinary"
          : "a fragmented message is open: finish it with sendContinuation(…, { fin: true })",
        "WS_ERR_FRAGMENT_ORDER",
      );
    }
    const fin = options?.fin !== false;
    this.flags = withFlag(this.flags, OUTGOING_MESSAGE_OPEN, !fin);
    this.writeFrame(opcode, payload, options);
  }

  private writeFrame(opcode: number, payload: Uint8Array, options: SendOptions | undefined): void {
    const frameOptions = options ?? {};
    const { maskKeys } = this.config;
    if (maskKeys) {
      this.queueOutput(
        encodeMaskedFrame(opcode, payload, maskKeys.nextKey(), frameOptions, this.config.allocate),
      );
    } else {
      for (const part of encodeUnmaskedFrame(opcode, payload, frameOptions)) this.queueOutput(part);
    }
  }

  private checkCanSend(what: string): void {
    if (hasFlag(this.flags, CLOSE_SENT) || this.state !== ConnectionState.Open) {
      throw new InvalidStateError(
        `cannot send ${what}: the connection is ${this.state}`,
        "WS_ERR_SEND_AFTER_CLOSE",
      );
    }
  }

  private checkControlPayload(payload: Uint8Array): void {
    if (payload.length > 125) {
      throw new InvalidArgumentError(
        `control payload of ${payload.length} bytes; at most 125 (RFC 6455 §5.5)`,
      );
    }
  }

  /** The code we closed with (undefined for an empty Close or before Close). */
  get closeSentWith(): number | undefined {
    return this.closing?.sentCode;
  }
}

/** A compression extension, and the compressed message being received (its pieces, copied). */
class CompressedIncoming {
  active = false;
  messageType: MessageType = "binary";
  singleFrame = false;
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(readonly compression: MessageCompression) {}

  start(messageType: MessageType, singleFrame: boolean): void {
    this.active = true;
    this.messageType = messageType;
    this.singleFrame = singleFrame;
  }

  /** Keeps a copy: the chunk is the transport's, which may reuse its memory once it is delivered. */
  add(data: Uint8Array): void {
    this.parts.push(data.slice());
    this.size += data.length;
  }

  /** The message's compressed bytes, joined; ready for the next message. */
  take(): Uint8Array {
    const parts = this.parts;
    this.active = false;
    this.parts = [];
    const size = this.size;
    this.size = 0;
    return concatBytes(parts, size);
  }
}
