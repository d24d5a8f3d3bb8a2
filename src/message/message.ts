/**
 * WebSocket messages (Akka's `Message`): text or binary, each strict (all data in one value) or
 * streamed (a `Source` of chunks: a fragmented message, RFC 6455 §5.2).
 *
 * Incoming messages are strict when they came as one frame no longer than
 * `websocket.strictThreshold` (default 64 KiB), decided from the frame header, never from how TCP
 * cut the bytes; fragmented or larger ones are streamed, and their source must be consumed (or
 * cancelled) before the next message flows.
 */
import { concatBytes, InvalidArgumentError, InvalidStateError } from "../codec/index.js";
import { Sink, Source } from "../stream/index.js";
import { MessageTimeoutError, MessageTooBigError } from "./message-errors.js";

/** A text or binary message. */
export type Message = TextMessage | BinaryMessage;

const textEncoder = new TextEncoder();

/**
 * A text message: a string, or a stream of string chunks (never split inside a code point). A
 * received one is its UTF-8 decoded as is: a U+FEFF (byte order mark) at its start is kept.
 */
export class TextMessage {
  private constructor(
    private readonly text: string | undefined,
    private readonly stream: Source<string, unknown> | undefined,
  ) {}

  /** A strict message of `text`, or a streamed one of the chunks `text` produces. */
  static create(text: string | Source<string, unknown>): TextMessage {
    if (typeof text === "string") return new TextMessage(text, undefined);
    if (text instanceof Source) return new TextMessage(undefined, text);
    throw new InvalidArgumentError("TextMessage.create takes a string or a Source<string>");
  }

  isText(): this is TextMessage {
    return true;
  }

  /** Whether all the text is in this value (see {@link getStrictText}). */
  isStrict(): boolean {
    return this.text !== undefined;
  }

  asTextMessage(): TextMessage {
    return this;
  }

  /** Throws {@link InvalidStateError}: this is a text message. */
  asBinaryMessage(): BinaryMessage {
    throw new InvalidStateError(
      "asBinaryMessage() on a TextMessage: check isText() first",
      "WS_ERR_WRONG_MESSAGE_KIND",
    );
  }

  /** The text of a strict message; throws {@link InvalidStateError} on a streamed one (use getStreamedText or toStrict). */
  getStrictText(): string {
    if (this.text === undefined) {
      throw new InvalidStateError(
        "getStrictText() on a streamed TextMessage: use getStreamedText() or await toStrict()",
        "WS_ERR_NOT_STRICT",
      );
    }
    return this.text;
  }

  /** The text as a source of chunks (a strict message gives one chunk). */
  getStreamedText(): Source<string, unknown> {
    return this.stream ?? Source.single(this.text!);
  }

  /**
   * Collects a streamed message into a strict one, failing with `MessageTimeoutError` after
   * `timeoutMs` and with `MessageTooBigError` past `maxBytes` UTF-8 bytes (default unlimited).
   */
  async toStrict(timeoutMs: number, maxBytes = Number.POSITIVE_INFINITY): Promise<TextMessage> {
    if (this.text !== undefined) {
      if (textEncoder.encode(this.text).length > maxBytes) throw new MessageTooBigError(maxBytes);
      return this;
    }
    const parts = await collectBounded(
      this.stream!,
      timeoutMs,
      maxBytes,
      (chunk) => textEncoder.encode(chunk).length,
    );
    return new TextMessage(parts.join(""), undefined);
  }

  toString(): string {
    return this.text === undefined
      ? "TextMessage(streamed)"
      : `TextMessage(${JSON.stringify(this.text.slice(0, 60))})`;
  }
}

/** A binary message: bytes, or a stream of byte chunks. */
export class BinaryMessage {
  private constructor(
    private readonly data: Uint8Array | undefined,
    private readonly stream: Source<Uint8Array, unknown> | undefined,
  ) {}

  /** A strict message of `data`, or a streamed one of the chunks `data` produces. */
  static create(data: Uint8Array | Source<Uint8Array, unknown>): BinaryMessage {
    if (data instanceof Uint8Array) return new BinaryMessage(data, undefined);
    if (data instanceof Source) return new BinaryMessage(undefined, data);
    throw new InvalidArgumentError("BinaryMessage.create takes a Uint8Array or a Source<Uint8Array>");
  }

  isText(): this is TextMessage {
    return false;
  }

  isStrict(): boolean {
    return this.data !== undefined;
  }

  /** Throws {@link InvalidStateError}: this is a binary message. */
  asTextMessage(): TextMessage {
    throw new InvalidStateError(
      "asTextMessage() on a BinaryMessage: check isText() first",
      "WS_ERR_WRONG_MESSAGE_KIND",
    );
  }

  asBinaryMessage(): BinaryMessage {
    return this;
  }

  /** The bytes of a strict message; throws {@link InvalidStateError} on a streamed one. */
  getStrictData(): Uint8Array {
    if (this.data === undefined) {
      throw new InvalidStateError(
        "getStrictData() on a streamed BinaryMessage: use getStreamedData() or await toStrict()",
        "WS_ERR_NOT_STRICT",
      );
    }
    return this.data;
  }

  /** The bytes as a source of chunks (a strict message gives one chunk). */
  getStreamedData(): Source<Uint8Array, unknown> {
    return this.stream ?? Source.single(this.data!);
  }

  /** Collects a streamed message into a strict one (see {@link TextMessage.toStrict}). */
  async toStrict(timeoutMs: number, maxBytes = Number.POSITIVE_INFINITY): Promise<BinaryMessage> {
    if (this.data !== undefined) {
      if (this.data.length > maxBytes) throw new MessageTooBigError(maxBytes);
      return this;
    }
    const parts = await collectBounded(this.stream!, timeoutMs, maxBytes, (chunk) => chunk.length);
    return new BinaryMessage(concatBytes(parts), undefined);
  }

  toString(): string {
    return this.data === undefined ? "BinaryMessage(streamed)" : `BinaryMessage(${this.data.length} bytes)`;
  }
}

/** Collects a streamed message's chunks within `timeoutMs`, failing past `maxBytes` (counted by `sizeOf`). */
async function collectBounded<T>(
  source: Source<T, unknown>,
  timeoutMs: number,
  maxBytes: number,
  sizeOf: (chunk: T) => number,
): Promise<T[]> {
  if (!(timeoutMs > 0)) throw new InvalidArgumentError(`toStrict timeout must be positive, got ${timeoutMs}`);
  let bytes = 0;
  return source
    .map((chunk) => {
      bytes += sizeOf(chunk);
      if (bytes > maxBytes) throw new MessageTooBigError(maxBytes);
      return chunk;
    })
    .completionTimeout(timeoutMs)
    .recover((error) => {
      if ((error as { code?: string }).code === "STREAM_ERR_TIMEOUT")
        throw new MessageTimeoutError(timeoutMs);
      return undefined;
    })
    .runWith(Sink.seq<T>());
}
