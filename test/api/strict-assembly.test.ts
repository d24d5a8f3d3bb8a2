import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Flow, Http, Keep, type Message, Sink, Source, WebSocketRequest } from "../../src/index.js";
import { frame } from "../helpers/hostile-server.js";
import { startRawServer, upgradeResponse } from "../helpers/raw-server.js";

const http = Http.get();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("strict messages assembled from several socket reads", () => {
  it("text split inside multi-byte characters and binary split anywhere arrive whole and exact", async () => {
    const text = "héllo wörld ✓ 😀 ".repeat(20);
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const textFrame = frame(0x1, text);
    const binaryFrame = frame(0x2, binary);
    const server = await startRawServer(async (socket, request) => {
      socket.setNoDelay(true);
      socket.write(upgradeResponse(request.key));
      // Cut points inside the UTF-8 of "é", "✓" and "😀", so no read holds whole characters only.
      for (const [bytes, cuts] of [
        [textFrame, [3, 5, 40, 41, 42, 150, 151, 152, 153, textFrame.length]],
        [binaryFrame, [1, 2, 1000, 2999, binaryFrame.length]],
      ] as const) {
        let at = 0;
        for (const cut of cuts) {
          socket.write(bytes.subarray(at, cut));
          at = cut;
          await pause(3);
        }
      }
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    });
    try {
      const received: Message[] = [];
      const [, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreach<Message>((m) => received.push(m)),
          Source.maybe<Message>(),
          Keep.left,
        ),
      );
      await done;
      assert.equal(received.length, 2);
      assert.ok(received.every((m) => m.isStrict()));
      assert.equal(received[0]!.asTextMessage().getStrictText(), text);
      assert.deepEqual(Buffer.from(received[1]!.asBinaryMessage().getStrictData()), binary);
    } finally {
      await server.close();
    }
  });

  it("a U+FEFF the peer sent stays in the text: whole, split across reads, and streamed", async () => {
    const text = "\uFEFFzero width no-break space ✓";
    const textFrame = frame(0x1, text);
    const server = await startRawServer(async (socket, request) => {
      socket.setNoDelay(true);
      socket.write(upgradeResponse(request.key));
      socket.write(textFrame); // whole, in one read
      await pause(3);
      for (const [from, to] of [
        [0, 3],
        [3, 4],
        [4, textFrame.length],
      ] as const) {
        // split inside the U+FEFF itself
        socket.write(textFrame.subarray(from, to));
        await pause(3);
      }
      socket.write(frame(0x1, text.slice(0, 4), false)); // fragmented: streamed
      socket.write(frame(0x0, text.slice(4)));
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    });
    try {
      const texts: string[] = [];
      const [, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreachAsync<Message>(1, async (m) => {
            texts.push((await m.asTextMessage().toStrict(1000)).getStrictText());
          }),
          Source.maybe<Message>(),
          Keep.left,
        ),
      );
      await done;
      assert.deepEqual(texts, [text, text, text]);
    } finally {
      await server.close();
    }
  });
});
