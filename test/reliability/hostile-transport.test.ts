import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryMessage,
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  type ValidUpgrade,
  WebSocketRequest,
} from "../../src/index.js";
import { frame, startHostileServer } from "../helpers/hostile-server.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { listen } from "./connect-helper.js";

const MB = 1024 * 1024;

describe("transport faults", () => {
  it("a TCP reset mid-message fails the streamed message and the connection; nothing hangs", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.write(frame(0x1, "the beginning of ", false));
      setTimeout(() => socket.resetAndDestroy(), 30);
    });
    const snapshot = resourceSnapshot();
    try {
      let streamFailure: unknown;
      const [upgrade, done] = Http.get().singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreachAsync<Message>(1, async (m) => {
            await m
              .asTextMessage()
              .getStreamedText()
              .runWith(Sink.ignore())
              .catch((e: unknown) => {
                streamFailure = e;
              });
          }),
          Source.maybe<Message>(),
          Keep.left,
        ),
      );
      await upgrade;
      await assert.rejects(done);
      assert.ok(streamFailure, "the streamed message failed too");
    } finally {
      await server.close();
    }
    await snapshot.check();
  });

  it("a server that stops reading back-pressures the client's outgoing side; memory stays bounded", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.pause(); // never read another byte
    });
    const snapshot = resourceSnapshot();
    try {
      (globalThis as { gc?: () => void }).gc?.();
      const before = process.memoryUsage().rss;
      let produced = 0;
      const chunks = Source.repeat(new Uint8Array(64 * 1024)).map((c) => {
        produced += c.length;
        return c;
      });
      const controller = new AbortController();
      const [upgrade, done] = Http.get().singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.ignore<Message>(),
          Source.single<Message>(BinaryMessage.create(chunks)),
          Keep.left,
        ),
        { signal: controller.signal },
      );
      await upgrade;
      await new Promise((r) => setTimeout(r, 500));
      const growth = process.memoryUsage().rss - before;
      assert.ok(
        produced < 64 * MB,
        `the source produced ${(produced / MB).toFixed(1)} MB while the server read nothing`,
      );
      assert.ok(growth < 64 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
      controller.abort();
      await assert.rejects(done, { code: "WS_ERR_ABORTED" });
    } finally {
      await server.close();
    }
    await snapshot.check();
  });

  it("a peer that vanishes silently is detected by keep-alive with a pong deadline", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.pause(); // alive at the TCP level, silent at the WebSocket level
    });
    try {
      const c = listen(server.url(), {
        settings: { websocket: { periodicKeepAliveMaxIdle: 30, keepAlivePongTimeout: 60 } },
      });
      await c.upgrade;
      await assert.rejects(c.done, { code: "WS_ERR_KEEPALIVE_TIMEOUT" });
    } finally {
      await server.close();
    }
  });

  it("... and by the idle time-out", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.pause();
    });
    try {
      const c = listen(server.url(), { settings: { idleTimeout: 60 } });
      await c.upgrade;
      await assert.rejects(c.done, { code: "WS_ERR_IDLE_TIMEOUT" });
    } finally {
      await server.close();
    }
  });

  it("a DNS failure names the host and the reason", async () => {
    const c = listen("ws://no-such-host.test/", {
      lookup: (hostname, _options, callback) =>
        process.nextTick(() =>
          (callback as (e: NodeJS.ErrnoException) => void)(
            Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
          ),
        ),
    });
    await assert.rejects(c.upgrade, (e: unknown) => {
      assert.equal((e as { code: string }).code, "WS_ERR_CONNECTION_FAILED");
      assert.match((e as Error).message, /no-such-host\.test:80.*DNS lookup failed \(ENOTFOUND\)/);
      return true;
    });
  });
});

describe("application misuse: a typed error at once, nothing sent", () => {
  it("ping and close after the connection closed", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
      socket.on("data", () => setTimeout(() => socket.end(), 10)); // close after the client's answer
    });
    try {
      const c = listen(server.url());
      const u = (await c.upgrade) as ValidUpgrade;
      await c.done;
      await u.closed;
      await assert.rejects(u.ping(), { code: "WS_ERR_SEND_AFTER_CLOSE" });
      assert.throws(() => u.close(1006), { code: "WS_ERR_INVALID_CLOSE_CODE" });
      assert.throws(() => u.ping(new Uint8Array(126)), { code: "WS_ERR_INVALID_ARGUMENT" });
      assert.deepEqual(server.closeCodes(), [1000], "only the answer to the server's Close was sent");
    } finally {
      await server.close();
    }
  });
});
