/**
 * Rules over the sequence of received frames (RFC 6455 §5.4, §5.5, §8.1), between the frame
 * decoder and the connection state machine: fragmentation order, the message size limit
 * (checked from each header, before any payload is accepted), UTF-8 of text messages (checked
 * chunk by chunk, so a bad byte fails the connection mid-frame), and the gathering of control
 * payloads (at most 125 bytes). Data payloads are passed on as views, never buffered.
 */
import {
  type BulkUtf8Check,
  type FrameDecoderHandler,
  type FrameHeader,
  isControlOpcode,
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

/** Applies the sequence rules; plug it into a `FrameDecoder` as its handler. */
export class IncomingFrames implements FrameDecoderHandler {
  private inMessage = false;
  private messageIsText = false;
  private messageBytes = 0;
  private frameIsControl = false;
  private frameOpcode = 0;
  private frameFin = false;
  private control: Uint8Array | undefined;
  private controlLength = 0;
  private readonly utf8: Utf8Validator;
  private failed = false;
  /** From the options, which are not kept (a connection's state lives as long as it does). */
  private readonly maxMessageSize: number;

  constructor(
    private readonly receiver: IncomingFrameReceiver,
    options: IncomingOptions,
  ) {
    this.maxMessageSize = options.maxMessageSize;
    this.utf8 = new Utf8Validator(options.utf8Bulk);
  }

  /** True while a fragmented message is in progress. */
  get messageInProgress(): boolean {
    return this.inMessage;
  }

  onFrameStart(header: FrameHeader): void {
    const { opcode } = header;
    this.frameOpcode = opcode;
    this.frameFin = header.fin;
    if (isControlOpcode(opcode)) {
      this.frameIsControl = true;
      this.controlLength = 0;
      this.control = header.payloadLength === 0 ? undefined : new Uint8Array(header.payloadLength);
      return;
    }
    this.frameIsControl = false;
    if (opcode === Opcode.Continuation) {
      if (!this.inMessage) {
        return this.fail(
          "WS_ERR_UNEXPECTED_CONTINUATION",
          1002,
          "continuation frame without a message to continue",
        );
      }
    } else if (this.inMessage) {
      return this.fail(
        "WS_ERR_EXPECTED_CONTINUATION",
        1002,
        "new data frame while a fragmented message is open",
      );
    }
    const total = (opcode === Opcode.Continuation ? this.messageBytes : 0) + header.payloadLength;
    if (total > this.maxMessageSize) {
      return this.fail(
        "WS_ERR_MESSAGE_TOO_BIG",
        1009,
        `message of at least ${total} bytes exceeds maxMessageSize (${this.maxMessageSize})`,
        "RFC 6455 §7.4.1",
      );
    }
    this.messageBytes = total;
    if (opcode !== Opcode.Continuation) {
      this.inMessage = true;
      this.messageIsText = opcode === Opcode.Text;
      this.utf8.reset();
      this.receiver.onMessageStart(
        this.messageIsText ? "text" : "binary",
        header.fin,
        header.payloadLength,
        header.rsv1,
      );
    }
  }

  onFramePayload(chunk: Uint8Array): void {
    if (this.failed) return;
    if (this.frameIsControl) {
      this.control!.set(chunk, this.controlLength);
      this.controlLength += chunk.length;
      return;
    }
    if (this.messageIsText) {
      // The whole message in one chunk (the usual case for small ones): one check, no state.
      const valid =
        this.frameFin && chunk.length === this.messageBytes
          ? this.utf8.validateWhole(chunk)
          : this.utf8.feed(chunk) === -1;
      if (!valid)
        return this.fail("WS_ERR_INVALID_UTF8", 1007, "text message is not valid UTF-8", "RFC 6455 §8.1");
    }
    this.receiver.onMessageData(chunk);
  }

  onFrameEnd(): void {
    if (this.failed) return;
    if (this.frameIsControl) {
      const payload = this.control ?? new Uint8Array(0);
      this.control = undefined;
      this.receiver.onControlFrame(this.frameOpcode, payload);
      return;
    }
    if (!this.frameFin) return;
    if (this.messageIsText && !this.utf8.end()) {
      return this.fail(
        "WS_ERR_INVALID_UTF8",
        1007,
        "text message ends inside a UTF-8 sequence",
        "RFC 6455 §8.1",
      );
    }
    this.inMessage = false;
    this.messageBytes = 0;
    this.receiver.onMessageEnd();
  }

  onViolation(v: ProtocolViolation): void {
    if (this.failed) return;
    this.failed = true;
    this.receiver.onViolation(v);
  }

  private fail(code: string, closeCode: 1002 | 1007 | 1009, message: string, rule = "RFC 6455 §5.4"): void {
    this.onViolation(violation(code, closeCode, rule, message));
  }
}
