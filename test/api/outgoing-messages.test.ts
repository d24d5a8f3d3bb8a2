/**
 * What the application sends is what arrives, whatever its shape: outgoing text is the UTF-8 of
 * the application's string however it was cut (a streamed text message whose chunks split a
 * surrogate pair must arrive as the pair's one character, not as two U+FFFD), and any mix of
 * strict and streamed, text and binary messages, in frames of any size, compressed or not, comes
 * back from an echo server exactly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  BinaryMessage,
  ClientTransport,
  Flow,
  Http,
  type Message,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { exchangeStrict, textsOf } from "../helpers/text-exchange.js";

/** What a string becomes in UTF-8: lone surrogates are U+FFFD (TextEncoder's rule, and the WebSocket API's). */
const wellFormed = (text: string) => new TextDecoder().decode(new TextEncoder().encode(text));

/** `text` cut at code-unit offsets `cuts` (empty chunks included). */
function cutAt(text: string, cuts: readonly number[]): string[] {
  const at = [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const cut of at) {
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  chunks.push(text.slice(from));
  return chunks;
}

/** Echoes `chunks` as one streamed text message; returns the text that came back. */
async function echoStreamed(http: Http, chunks: readonly string[]): Promise<string> {
  const message = TextMessage.create(Source.from(chunks));
  const { received } = await exchangeStrict(http, WebSocketRequest.create("ws://echo.test/"), [message]);
  const [text] = textsOf(received);
  return text!;
}

describe("outgoing text: the UTF-8 of the whole string, however it was cut", () => {
  it("a surrogate pair split between streamed chunks arrives as its character", async () => {
    const server = ClientTransport.inMemory(() => Flow.create<Message>());
    const http = Http.create({ transport: server });
    try {
      assert.equal(await echoStreamed(http, ["a\uD83D", "\uDE00b"]), "a😀b");
      assert.equal(await echoStreamed(http, ["\uD83D", "", "", "\uDE00"]), "😀");
      assert.equal(await echoStreamed(http, ["x\uD834", "\uDD1E\uD83D", "\uDE00"]), "x𝄞😀");
      // Lone halves stay what they are in the whole string: U+FFFD.
      assert.equal(await echoStreamed(http, ["a\uD83D"]), "a\uFFFD");
      assert.equal(await echoStreamed(http, ["a\uD83D", "b"]), "a\uFFFDb");
      assert.equal(await echoStreamed(http, ["\uDE00", "\uD83D"]), "\uFFFD\uFFFD");
    } finally {
      await server.close();
    }
  });

  it("property: any text cut anywhere, sent streamed in frames of any size, arrives as the whole text's UTF-8", async () => {
    const snapshot = resourceSnapshot();
    const server = ClientTransport.inMemory(() => Flow.create<Message>());
    const piece = fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom("\uD800", "\uDBFF", "\uDC00", "\uDFFF", "😀", "é"),
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(piece, { maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.constantFrom(2, 3, 7, 65536),
          async (pieces, cuts, maxOutgoingFrameSize) => {
            const text = pieces.join("");
            const http = Http.create({ transport: server, websocket: { maxOutgoingFrameSize } });
            assert.equal(await echoStreamed(http, cutAt(text, cuts)), wellFormed(text));
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await server.close();
    }
    await snapshot.check();
  });

  it("property: any mix of strict and streamed, text and binary, in frames of any size, compressed or not, echoes back exactly", async () => {
    const snapshot = resourceSnapshot();
    const server = ClientTransport.inMemory(() => Flow.create<Message>(), {
      settings: { websocket: { perMessageDeflate: true } },
    });
    const text = fc.string({ unit: "binary", maxLength: 300 });
    const bytes = fc.uint8Array({ maxLength: 3000 });
    /** A message to send, and what must come back: a text or the bytes. */
    const message = fc.oneof(
      text.map((t) => ({ send: TextMessage.create(t), back: t as string | Uint8Array })),
      bytes.map((b) => ({ send: BinaryMessage.create(b), back: b as string | Uint8Array })),
      fc.array(text, { maxLength: 5 }).map((chunks) => ({
        send: TextMessage.create(Source.from(chunks)),
        back: chunks.join("") as string | Uint8Array,
      })),
      fc.array(bytes, { maxLength: 5 }).map((chunks) => ({
        send: BinaryMessage.create(Source.from(chunks)),
        back: Buffer.concat(chunks) as string | Uint8Array,
      })),
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { minLength: 1, maxLength: 6 }),
          fc.constantFrom(1, 5, 125, 126, 65536),
          fc.oneof(fc.constant(false), fc.record({ threshold: fc.constantFrom(0, 1, 64, 1024) })),
          fc.constantFrom(1, 100, 65536),
          async (messages, maxOutgoingFrameSize, perMessageDeflate, strictThreshold) => {
            const http = Http.create({
              transport: server,
              websocket: { maxOutgoingFrameSize, perMessageDeflate, strictThreshold },
            });
            const { received } = await exchangeStrict(
              http,
              "ws://echo.test/",
              messages.map((m) => m.send),
            );
            const shown = (m: string | Uint8Array) =>
              typeof m === "string"
                ? `text ${JSON.stringify(m)}`
                : `binary ${Buffer.from(m).toString("hex")}`;
            assert.deepEqual(
              received.map((m) =>
                shown(m.isText() ? m.asTextMessage().getStrictText() : m.asBinaryMessage().getStrictData()),
              ),
              messages.map((m) => shown(m.back)),
            );
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await server.close();
    }
    await snapshot.check();
  });
});
