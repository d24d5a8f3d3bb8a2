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
});
