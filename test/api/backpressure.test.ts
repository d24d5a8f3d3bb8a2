import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryMessage,
  encodeFrameHeader,
  Flow,
  Http,
  Keep,
  type Message,
  Opcode,
  Sink,
  Source,
  WebSocketRequest,
} from "../../src/index.js";
import { startRawServer, upgradeResponse } from "../helpers/raw-server.js";
import { resourceSnapshot } from "../helpers/resources.js";

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Peak RSS growth allowed while far more (200-256 MB) is sent or received, so that a message or a
 * stream buffered whole fails the test. Buffering is about what stays alive, while RSS also holds
 * garbage not yet collected, and Deno's GC lets this run's 64 KiB buffers pile up far longer than
 * Node's: 71-136 MB of growth over its whole suite (Deno 2.9), whether 200 or 400 MB were sent. So
 * there a sample over `collectOver` is taken again after a forced collection; what the allocator
 * keeps after it leaves 35-50 MB of growth. Forcing a collection at every sample instead would
 * starve the test (one takes milliseconds), and on Node it is not needed (under 40 MB).
 */
const budget =
  "Deno" in globalThis
    ? { limit: 96 * MB, collectOver: 32 * MB }
    : { limit: 64 * MB, collectOver: Number.POSITIVE_INFINITY };
const RSS_LIMIT = budget.limit;

/** Samples RSS every 20 ms; returns the peak growth over the starting value when stopped. */
function rssWatch(): { stop(): number } {
  gc?.();
  const start = process.memoryUsage().rss;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss - start <= budget.collectOver || !gc) return rss;
    gc();
    return process.memoryUsage().rss;
  };
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, sample()) - start;
    },
  };
}

describe("back-pressure end to end", () => {
  it("a slow consumer stops the socket being read: 200 MB to 1 ms per message, RSS growth bounded", async () => {
    const total = 200 * MB;
    const size = 64 * 1024;
    const frame = Buffer.concat([encodeFrameHeader(Opcode.Binary, size), Buffer.alloc(size, 7)]);
    let sendStarted = 0;
    let sendEnded = 0;
    const blaster = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      let sent = 0;
      sendStarted = performance.now();
      const pump = () => {
        while (sent < total) {
          sent += size;
          if (!socket.write(frame)) return void socket.once("drain", pump);
        }
        sendEnded = performance.now();
        socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8])); // Close 1000
      };
      pump();
    });
    try {
      const snapshot = resourceSnapshot();
      const watch = rssWatch();
      let received = 0;
      const [upgrade, done] = Http.get().singleWebSocketRequest(
        WebSocketRequest.create(blaster.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreachAsync<Message>(1, async (m) => {
            received += m.asBinaryMessage().getStrictData().length;
            await sleep(1);
          }),
          Source.maybe<Message>(),
          Keep.left,
        ),
        { settings: { websocket: { closeTimeout: 200 } } },
      );
      await upgrade;
      await done;
      const growth = watch.stop();
      assert.equal(received, total);
      assert.ok(growth < RSS_LIMIT, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
      // The server could not finish much faster than the consumer: it was slowed down.
      assert.ok(
        sendEnded - sendStarted > 2000,
        `server finished sending in ${(sendEnded - sendStarted).toFixed(0)} ms`,
      );
      await snapshot.check(2000);
    } finally {
      await blaster.close();
    }
  });

  it("a streamed outgoing message is never buffered whole: 256 MB sent with RSS growth bounded", async () => {
    let bytesAtServer = 0;
    const sink = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      bytesAtServer += request.rest.length;
      socket.on("data", (chunk: Buffer) => {
        bytesAtServer += chunk.length;
      });
    });
    try {
      const watch = rssWatch();
      const chunk = new Uint8Array(64 * 1024).fill(1);
      const message = BinaryMessage.create(Source.repeat(chunk).take(4096));
      const [upgrade, done] = Http.get().singleWebSocketRequest(
        WebSocketRequest.create(sink.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.single<Message>(message), Keep.left),
        { settings: { websocket: { closeTimeout: 100 } } },
      );
      await upgrade;
      await done.catch(() => {}); // the raw server never answers our Close: closeTimeout ends it
      const growth = watch.stop();
      assert.ok(bytesAtServer >= 256 * MB, `server got ${(bytesAtServer / MB).toFixed(1)} MB`);
      assert.ok(growth < RSS_LIMIT, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
    } finally {
      await sink.close();
    }
  });
});
