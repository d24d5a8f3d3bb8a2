/**
 * Incremental frame decoding (RFC 6455 §5.2): any chunking of the input, one byte at a time
 * included, gives the same calls.
 *
 * Partial frames are the streaming unit: after a frame's header the payload is handed on as
 * views of the input chunks (never copied, never buffered), so a 1 GiB frame costs no memory.
 * Only a header that straddles chunks is gathered, in a 14-byte scratch buffer. Masked payloads
 * are unmasked in place: the decoder owns the chunks it is given.
 *
 * Every header rule is checked before any payload is accepted; a violation is reported once,
 * as a value, and the decoder then ignores all further input.
 */
import { type ProtocolViolation, violation } from "./errors.js";
import {
  FIN_BIT,
  type FrameHeader,
  LENGTH_16,
  LENGTH_64,
  LENGTH_MASK,
  MASK_BIT,
  MAX_HEADER_LENGTH,
  OPCODE_MASK,
  RSV_BITS,
  RSV1_BIT,
  RSV2_BIT,
  RSV3_BIT,
} from "./frame-header.js";
import { maskInPlace, packMaskKey, rotateMaskKey } from "./masking.js";
import { isControlOpcode, isDefinedOpcode } from "./opcode.js";

/** Receives what the decoder finds, in order: start, payload chunks (possibly none), end. */
export interface FrameDecoderHandler {
  onFrameStart(header: FrameHeader): void;
  /** A slice of the current frame's payload, unmasked. Valid until the handler returns unless copied. */
  onFramePayload(chunk: Uint8Array): void;
  onFrameEnd(): void;
  onViolation(v: ProtocolViolation): void;
}

/** What the decoder accepts. */
export interface FrameDecoderOptions {
  /** True on a server (client frames must be masked), false on a client (server frames must not be). */
  readonly expectMasked: boolean;
  /** Largest accepted payload of one frame; larger fails with 1009. Default: unlimited. */
  readonly maxFrameSize?: number;
  /** RSV bits an extension negotiated (RSV1_BIT for permessage-deflate); others fail with 1002. */
  readonly allowedRsv?: number;
}

/** A bit of `rules` beyond the header byte's RSV bits: frames must be masked (we are a server). */
const EXPECT_MASKED = 0x100;

enum State {
  Header,
  Payload,
  Failed,
}

/**
 * The largest frame, and the RSV bits an extension negotiated plus EXPECT_MASKED in one number. No
 * per-frame "masked" flag: a frame whose mask bit differs is rejected, so every accepted frame is
 * masked exactly when EXPECT_MASKED is set.
 */
interface DecoderLimits {
  readonly maxFrameSize: number;
  readonly rules: number;
}

/**
 * Made once per options object: decoders made from the same options (one per connection, living as
 * long as it does) share them.
 */
const limitsByOptions = new WeakMap<FrameDecoderOptions, DecoderLimits>();

function limitsFor(options: FrameDecoderOptions): DecoderLimits {
  let limits = limitsByOptions.get(options);
  if (limits === undefined) {
    limits = {
      maxFrameSize: options.maxFrameSize ?? Number.MAX_SAFE_INTEGER,
      rules: ((options.allowedRsv ?? 0) & RSV_BITS) | (options.expectMasked ? EXPECT_MASKED : 0),
    };
    limitsByOptions.set(options, limits);
  }
  return limits;
}

/** Where the scratch buffer counts the header bytes gathered in it (after room for a whole header). */
const GATHERED = MAX_HEADER_LENGTH;

/** The incremental decoder. Feed it with {@link FrameDecoder.push}. */
export class FrameDecoder {
  private state = State.Header;
  /**
   * Only for a header that straddles chunks; allocated the first time one does. Its last byte
   * counts the header bytes gathered (a field less in a decoder that lives as long as its connection).
   */
  private scratch: Uint8Array | undefined;
  private remaining = 0;
  /** The mask key as it applies to the next payload byte: rotated as bytes are unmasked (no offset field). */
  private maskKey = 0;
  /** What the decoder takes from its options: one object per options object, shared. */
  private limits: DecoderLimits;

  constructor(
    private readonly handler: FrameDecoderHandler,
    options: FrameDecoderOptions,
  ) {
    this.limits = limitsFor(options);
  }

  /**
   * Accepts the RSV `bits` from now on, for an extension negotiated after the decoder was made (in
   * the opening handshake). This decoder gets limits of its own; the shared ones stay as they are.
   */
  allowRsv(bits: number): void {
    const { maxFrameSize, rules } = this.limits;
    this.limits = { maxFrameSize, rules: rules | (bits & RSV_BITS) };
  }

  /** True once a violation was reported or {@link FrameDecoder.stop} was called. */
  get stopped(): boolean {
    return this.state === State.Failed;
  }

  /** True between frames: no header byte or payload byte of a frame is pending. */
  get atFrameBoundary(): boolean {
    return this.state === State.Header && this.gathered === 0;
  }

  /** Header bytes gathered in the scratch buffer so far. */
  private get gathered(): number {
    return this.scratch === undefined ? 0 : this.scratch[GATHERED]!;
  }

  /** Ignores all further input (the connection is being failed or closed). */
  stop(): void {
    this.state = State.Failed;
  }

  /** Decodes `chunk`. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    const length = chunk.length;
    // The chunk's memory, read once for all the payload views made from it: views by the
    // constructor, not `subarray`, which looks up the species and reads both getters every time.
    let memory: ArrayBufferLike | undefined;
    let base = 0;
    while (pos < length && this.state !== State.Failed) {
      if (this.state === State.Header) {
        pos = this.readHeader(chunk, pos);
      } else {
        const n = Math.min(this.remaining, length - pos);
        if (memory === undefined) {
          memory = chunk.buffer;
          base = chunk.byteOffset;
        }
        const view = new Uint8Array(memory, base + pos, n);
        pos += n;
        this.remaining -= n;
        if ((this.limits.rules & EXPECT_MASKED) !== 0) {
          maskInPlace(view, this.maskKey);
          this.maskKey = rotateMaskKey(this.maskKey, n);
        }
        this.handler.onFramePayload(view);
        if (this.remaining === 0 && this.state === State.Payload) this.endFrame();
      }
    }
  }

  /** Consumes header bytes from `chunk` at `pos`; returns the new position. */
  private readHeader(chunk: Uint8Array, pos: number): number {
    const available = chunk.length - pos;
    if (this.gathered === 0 && available >= 2) {
      const needed = headerSize(chunk[pos + 1]!);
      if (available >= needed) {
        this.decodeHeader(chunk, pos);
        return pos + needed;
      }
    }
    // The header straddles chunks: gather it in the scratch buffer.
    const scratch = (this.scratch ??= new Uint8Array(MAX_HEADER_LENGTH + 1));
    let gathered = scratch[GATHERED]!;
    while (pos < chunk.length) {
      scratch[gathered++] = chunk[pos++]!;
      if (gathered >= 2 && gathered === headerSize(scratch[1]!)) {
        scratch[GATHERED] = 0;
        this.decodeHeader(scratch, 0);
        return pos;
      }
    }
    scratch[GATHERED] = gathered;
    return pos;
  }

  private decodeHeader(bytes: Uint8Array, at: number): void {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const opcode = b0 & OPCODE_MASK;
    const fin = (b0 & FIN_BIT) !== 0;
    const masked = (b1 & MASK_BIT) !== 0;
    let length = b1 & LENGTH_MASK;
    let p = at + 2;
    if (length === LENGTH_16) {
      length = (bytes[p]! << 8) | bytes[p + 1]!;
      p += 2;
    } else if (length === LENGTH_64) {
      const high = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
      const low =
        ((bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!) >>> 0;
      if (high & 0x8000_0000) {
        return this.fail(
          "WS_ERR_INVALID_LENGTH",
          1002,
          "RFC 6455 §5.2",
          "64-bit payload length has its top bit set",
        );
      }
      // Above 2^53 the number would lose precision; no limit can admit such a frame anyway.
      length = high >= 0x20_0000 ? Number.POSITIVE_INFINITY : high * 0x1_0000_0000 + low;
      p += 8;
    }
    const rsv = b0 & RSV_BITS;
    if ((rsv & ~this.limits.rules) !== 0) {
      return this.fail(
        "WS_ERR_UNEXPECTED_RSV",
        1002,
        "RFC 6455 §5.2",
        "RSV bit set without a negotiated extension",
      );
    }
    if (!isDefinedOpcode(opcode)) {
      return this.fail(
        "WS_ERR_INVALID_OPCODE",
        1002,
        "RFC 6455 §5.2",
        `reserved opcode 0x${opcode.toString(16)}`,
      );
    }
    if (isControlOpcode(opcode)) {
      if (!fin)
        return this.fail("WS_ERR_FRAGMENTED_CONTROL", 1002, "RFC 6455 §5.5", "fragmented control frame");
      if (length > 125) {
        return this.fail(
          "WS_ERR_CONTROL_TOO_LONG",
          1002,
          "RFC 6455 §5.5",
          `control frame of ${length} bytes`,
        );
      }
    }
    const expectMasked = (this.limits.rules & EXPECT_MASKED) !== 0;
    if (masked !== expectMasked) {
      return expectMasked
        ? this.fail("WS_ERR_EXPECTED_MASK", 1002, "RFC 6455 §5.1", "unmasked frame from a client")
        : this.fail("WS_ERR_UNEXPECTED_MASK", 1002, "RFC 6455 §5.1", "masked frame from a server");
    }
    const { maxFrameSize } = this.limits;
    if (length > maxFrameSize) {
      return this.fail(
        "WS_ERR_FRAME_TOO_BIG",
        1009,
        "RFC 6455 §7.4.1",
        `frame of ${length} bytes exceeds maxFrameSize (${maxFrameSize})`,
      );
    }
    const maskKey = masked ? packMaskKey(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!) : 0;
    this.maskKey = maskKey;
    this.remaining = length;
    this.state = State.Payload;
    this.handler.onFrameStart({
      fin,
      rsv1: (rsv & RSV1_BIT) !== 0,
      rsv2: (rsv & RSV2_BIT) !== 0,
      rsv3: (rsv & RSV3_BIT) !== 0,
      opcode,
      masked,
      maskKey,
      payloadLength: length,
    });
    if (length === 0 && this.state === State.Payload) this.endFrame();
  }

  private endFrame(): void {
    this.state = State.Header;
    this.handler.onFrameEnd();
  }

  private fail(code: string, closeCode: 1002 | 1009, rule: string, message: string): void {
    this.state = State.Failed;
    this.handler.onViolation(violation(code, closeCode, rule, message));
  }
}

/** Header length implied by the second header byte (length marker and mask bit). */
function headerSize(b1: number): number {
  const marker = b1 & LENGTH_MASK;
  const base = marker === LENGTH_64 ? 10 : marker === LENGTH_16 ? 4 : 2;
  return (b1 & MASK_BIT) !== 0 ? base + 4 : base;
}
