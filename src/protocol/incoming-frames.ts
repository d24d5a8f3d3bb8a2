/**
 * Rules over the sequence of received frames (RFC 6455 §5.4, §5.5, §8.1), between the frame
 * decoder and the connection state machine: fragmentation order, the message size limit
 * (checked from each header, before any payload is accepted), UTF-8 of text messages (checked
 * chunk by chunk, so a bad byte fails the connection mid-frame), and the gathering of control
 * payloads (at most 125 bytes). Data payloads are passed on as views, never buffered.
 */
import { withFlag } from "../codec/bit-flags.js";
import {
  type BulkUtf8Check,
  type FrameDecoderHandler,
  type FrameHeader,
  isControlOpcode,
  isValidUtf8,
  Opcode,
  type ProtocolViolation,
  Utf8Validator,
  violation,
} from "../codec/index.js";

/** Kind of a data message. */
export type MessageType = "text" | "binary";

/** What {@link IncomingFrames} reports, already validated. */
export interface IncomingFrameReceiver {
  /** A message begins; `singleFrame` when its first frame is final, `frameLength` that frame's size. */
  onMessageStart(type: MessageType, singleFrame: boolean, frameLength: number, rsv1: boolean): void;
  onMessageData(data: Uint8Array): void;
  onMessageEnd(): void;
  /** A complete control frame (Close, Ping or Pong) and its payload. */
  onControlFrame(opcode: number, payload: Uint8Array): void;
  onViolation(v: ProtocolViolation): void;
}

/** Limits on received messages, and how text is checked. */
export interface IncomingOptions {
  /** Largest accepted message, summed over its fragments (1009 beyond). */
  readonly maxMessageSize: number;
  /** A native whole-buffer UTF-8 check to speed up long text chunks (see `Utf8Validator`). */
  readonly utf8Bulk?: BulkUtf8Check;
}

// IncomingFrames' yes/no states, bits of its `flags`.
/** A data message is open (a continuation may follow). */
const IN_MESSAGE = 1;
const MESSAGE_IS_TEXT = 2;
/** The current frame has FIN set. */
const FRAME_FIN = 4;
/** A violation was reported: everything after it is ignored. */
const FAILED = 8;
/** The current frame's opcode, in bits 4-7 of `flags`. */
const OPCODE_SHIFT = 4;
const OPCODE_BITS = 0xf << OPCODE_SHIFT;
/** Bytes of a control payload gathered so far (at most 125), in bits 8-14 of `flags`. */
const CONTROL_SHIFT = 8;
const CONTROL_BITS = 0x7f << CONTROL_SHIFT;
/** The open message is compressed (RSV1 on its first frame): its bytes are not UTF-8 yet. */
const MESSAGE_COMPRESSED = 1 << 15;

/** Applies the sequence rules; plug it into a `FrameDecoder` as its handler. */
export class IncomingFrames implements FrameDecoderHandler {
  /**
   * IN_MESSAGE, MESSAGE_IS_TEXT, FRAME_FIN and FAILED, the frame's opcode and the control bytes
   * gathered: one field (a connection lives long).
   */
  private flags = 0;
  private messageBytes = 0;
  private control: Uint8Array | undefined;
  /**
   * The state of a text message's UTF-8 across chunks, made only for one that arrives in pieces
   * and dropped at its end: a message whole in one chunk is checked in one call, without state.
   */
  private utf8: Utf8Validator | undefined;

  constructor(
    private readonly receiver: IncomingFrameReceiver,
    /** Kept, not copied: a protocol passes one object shared by all its connections. */
    private readonly options: IncomingOptions,
  ) {}

  /** True while a fragmented message is in progress. */
  get messageInProgress(): boolean {
    return (this.flags & IN_MESSAGE) !== 0;
  }

  onFrameStart(header: FrameHeader): void {
    const { opcode } = header;
    // A new frame: its opcode, and no control bytes gathered yet.
    this.flags =
      withFlag(this.flags & ~(OPCODE_BITS | CONTROL_BITS), FRAME_FIN, header.fin) | (opcode << OPCODE_SHIFT);
    // RSV1 reaches here only where an extension negotiated it (the decoder refuses it otherwise),
    // and it marks the first frame of a compressed message only (RFC 7692 §6, §6.1).
    if (header.rsv1 && opcode !== Opcode.Text && opcode !== Opcode.Binary) {
      return this.fail(
        "WS_ERR_UNEXPECTED_RSV",
        1002,
        `RSV1 set on a ${opcode === Opcode.Continuation ? "continuation" : "control"} frame`,
        "RFC 7692 §6.1",
      );
    }
    if (isControlOpcode(opcode)) {
      this.control = header.payloadLength === 0 ? undefined : new Uint8Array(header.payloadLength);
      return;
    }
    const inMessage = (this.flags & IN_MESSAGE) !== 0;
    if (opcode === Opcode.Continuation) {
      if (!inMessage) {
        return this.fail(
          "WS_ERR_UNEXPECTED_CONTINUATION",
          1002,
          "continuation frame without a message to continue",
        );
      }
    } else if (inMessage) {
      return this.fail(
        "WS_ERR_EXPECTED_CONTINUATION",
        1002,
        "new data frame while a fragmented message is open",
      );
    }
    const total = (opcode === Opcode.Continuation ? this.messageBytes : 0) + header.payloadLength;
    const { maxMessageSize } = this.options;
    if (total > maxMessageSize) {
      return this.fail(
        "WS_ERR_MESSAGE_TOO_BIG",
        1009,
        `message of at least ${total} bytes exceeds maxMessageSize (${maxMessageSize})`,
        "RFC 6455 §7.4.1",
      );
    }
    this.messageBytes = total;
    if (opcode !== Opcode.Continuation) {
      const text = opcode === Opcode.Text;
      this.flags = withFlag(
        withFlag(this.flags | IN_MESSAGE, MESSAGE_IS_TEXT, text),
        MESSAGE_COMPRESSED,
        header.rsv1,
      );
      this.utf8 = undefined;
      this.receiver.onMessageStart(text ? "text" : "binary", header.fin, header.payloadLength, header.rsv1);
    }
  }

  onFramePayload(chunk: Uint8Array): void {
    const flags = this.flags;
    if ((flags & FAILED) !== 0) return;
    if (isControlOpcode((flags & OPCODE_BITS) >> OPCODE_SHIFT)) {
      const gathered = (flags & CONTROL_BITS) >> CONTROL_SHIFT;
      this.control!.set(chunk, gathered);
      this.flags = (flags & ~CONTROL_BITS) | ((gathered + chunk.length) << CONTROL_SHIFT);
      return;
    }
    // A compressed text message is checked once decompressed (by the protocol).
    if ((flags & (MESSAGE_IS_TEXT | MESSAGE_COMPRESSED)) === MESSAGE_IS_TEXT) {
      // The whole message in one chunk (the usual case for small ones): one check, no state.
      const valid =
        (flags & FRAME_FIN) !== 0 && chunk.length === this.messageBytes && this.utf8 === undefined
          ? isValidUtf8(chunk, this.options.utf8Bulk)
          : (this.utf8 ??= new Utf8Validator(this.options.utf8Bulk)).feed(chunk) === -1;
      if (!valid)
        return this.fail("WS_ERR_INVALID_UTF8", 1007, "text message is not valid UTF-8", "RFC 6455 §8.1");
    }
    this.receiver.onMessageData(chunk);
  }

  onFrameEnd(): void {
    const flags = this.flags;
    if ((flags & FAILED) !== 0) return;
    const opcode = (flags & OPCODE_BITS) >> OPCODE_SHIFT;
    if (isControlOpcode(opcode)) {
      const payload = this.control ?? new Uint8Array(0);
      this.control = undefined;
      this.receiver.onControlFrame(opcode, payload);
      return;
    }
    if ((flags & FRAME_FIN) === 0) return;
    const utf8 = this.utf8;
    this.utf8 = undefined;
    if ((flags & MESSAGE_IS_TEXT) !== 0 && utf8 !== undefined && !utf8.end()) {
      return this.fail(
        "WS_ERR_INVALID_UTF8",
        1007,
        "text message ends inside a UTF-8 sequence",
        "RFC 6455 §8.1",
      );
    }
    this.flags = flags & ~IN_MESSAGE;
    this.messageBytes = 0;
    this.receiver.onMessageEnd();
  }

  onViolation(v: ProtocolViolation): void {
    if ((this.flags & FAILED) !== 0) return;
    this.flags |= FAILED;
    this.receiver.onViolation(v);
  }

  private fail(code: string, closeCode: 1002 | 1007 | 1009, message: string, rule = "RFC 6455 §5.4"): void {
    this.onViolation(violation(code, closeCode, rule, message));
  }
}
