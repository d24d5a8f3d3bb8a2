/** fast-check arbitraries of messages to send, with what must arrive, for the send-and-echo properties. */
import fc from "fast-check";
import { BinaryMessage, type Message, Source, TextMessage } from "../../src/index.js";

/** A message to send (made afresh on each call: a streamed one runs once) and the content it carries. */
export interface MessageToSend {
  readonly make: () => Message;
  readonly content: string | Uint8Array;
}

/**
 * Strict and streamed, text and binary messages: text of every kind of code point (surrogate pairs
 * included, cut anywhere when streamed), binary of any bytes, streamed ones in up to `maxChunks`
 * chunks (empty ones included).
 */
export function messageToSend(
  options: { readonly maxText?: number; readonly maxBytes?: number; readonly maxChunks?: number } = {},
): fc.Arbitrary<MessageToSend> {
  const text = fc.string({ unit: "binary", maxLength: options.maxText ?? 300 });
  const bytes = fc.uint8Array({ maxLength: options.maxBytes ?? 3000 });
  const chunks = options.maxChunks ?? 5;
  return fc.oneof(
    text.map((t) => ({ make: () => TextMessage.create(t), content: t })),
    bytes.map((b) => ({ make: () => BinaryMessage.create(b), content: b })),
    fc.array(text, { maxLength: chunks }).map((parts) => ({
      make: () => TextMessage.create(Source.from(parts)),
      content: parts.join(""),
    })),
    fc.array(bytes, { maxLength: chunks }).map((parts) => ({
      make: () => BinaryMessage.create(Source.from(parts)),
      content: Buffer.concat(parts),
    })),
  );
}

/** A message's content as a comparable line. */
export const shown = (content: string | Uint8Array): string =>
  typeof content === "string"
    ? `text ${JSON.stringify(content)}`
    : `binary ${Buffer.from(content).toString("hex")}`;

/** The content of a strict message, {@link shown}. */
export const shownMessage = (m: Message): string =>
  shown(m.isText() ? m.asTextMessage().getStrictText() : m.asBinaryMessage().getStrictData());
