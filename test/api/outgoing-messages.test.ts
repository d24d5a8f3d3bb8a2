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
  ClientTransport,
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";
import { piecesAt } from "../helpers/chunkings.js";
import { messageToSend, shown, shownMessage } from "../helpers/message-arbitrary.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { exchangeStrict, textsOf } from "../helpers/text-exchange.js";

/** What a string becomes in UTF-8: lone surrogates are U+FFFD (TextEncoder's rule, and the WebSocket API's). */
const wellFormed = (text: string) => new TextDecoder().decode(new TextEncoder().encode(text));

/** Echoes `chunks` as one streamed text message; returns the text that came back. */
async function echoStreamed(http: Http, chunks: readonly string[]): Promise<string> {
  const message = TextMessage.create(Source.from(chunks));
  const { received } = await exchangeStrict(http, WebSocketRequest.create("ws://echo.test/"), [message]);
  const [text] = textsOf(received);
  return text!;
}

describe("what is sent is what arrives: text as its whole string's UTF-8, any mix of messages, any pace", () => {
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
            assert.equal(await echoStreamed(http, piecesAt(text, cuts)), wellFormed(text));
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
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(messageToSend(), { minLength: 1, maxLength: 6 }),
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
              messages.map((m) => m.make()),
            );
            assert.deepEqual(
              received.map(shownMessage),
              messages.map((m) => shown(m.content)),
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

  it("property: a consumer that pauses anywhere (between messages, inside streamed ones) gets every message from the server exactly, in order", async () => {
    const snapshot = resourceSnapshot();
    /** Resolves now, after a microtask or after a macrotask, as `n` says. */
    const pause = (n: number) =>
      n % 3 === 0 ? undefined : n % 3 === 1 ? Promise.resolve() : new Promise((r) => setTimeout(r, 0));
    await fc.assert(
      fc.asyncProperty(
        fc.array(messageToSend({ maxText: 200, maxBytes: 2000, maxChunks: 4 }), { maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
        fc.constantFrom(1, 50, 65536),
        async (messages, pauses, strictThreshold) => {
          // The server sends the messages (made afresh: a streamed one runs once) and completes: Close 1000.
          const server = ClientTransport.inMemory(() =>
            Flow.fromSinkAndSource(Sink.ignore<Message>(), Source.from(messages.map((m) => m.make()))),
          );
          let step = 0;
          const nextPause = () => pause(pauses[step++ % pauses.length]!);
          const take = async (m: Message): Promise<string> => {
            await nextPause();
            if (m.isStrict()) {
              return shown(
                m.isText() ? m.asTextMessage().getStrictText() : m.asBinaryMessage().getStrictData(),
              );
            }
            // Streamed: read chunk by chunk, pausing between chunks, as a slow consumer does.
            const parts = await (m.isText()
              ? m.asTextMessage().getStreamedText()
              : m.asBinaryMessage().getStreamedData()
            )
              .mapAsync(1, async (chunk: string | Uint8Array) => {
                await nextPause();
                return chunk;
              })
              .runWith(Sink.seq<string | Uint8Array>());
            return shown(m.isText() ? (parts as string[]).join("") : Buffer.concat(parts as Uint8Array[]));
          };
          try {
            const http = Http.create({ transport: server, websocket: { strictThreshold } });
            const [, [received, outgoing]] = http.singleWebSocketRequest(
              WebSocketRequest.create("ws://source.test/"),
              Flow.fromSinkAndSourceMat(
                Flow.create<Message>().mapAsync(1, take).toMat(Sink.seq<string>(), Keep.right),
                Source.maybe<Message>(),
                Keep.both,
              ),
            );
            const got = await received;
            outgoing.complete(undefined); // answers the server's Close at once
            assert.deepEqual(
              got,
              messages.map((m) => shown(m.content)),
            );
          } finally {
            await server.close();
          }
        },
      ),
      { numRuns: 150 },
    );
    await snapshot.check();
  });
});
