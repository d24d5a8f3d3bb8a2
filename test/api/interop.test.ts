import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { WebSocket } from "ws";
import { frameArena } from "../../src/codec/index.js";
import {
  BinaryMessage,
  Flow,
  Http,
  InvalidUpgradeResponse,
  Keep,
  type Message,
  PeerClosedConnectionException,
  Sink,
  Source,
  TextMessage,
  ValidUpgrade,
  WebSocketRequest,
} from "../../src/index.js";
import { messageToSend, shown } from "../helpers/message-arbitrary.js";
import { sentFrames } from "../helpers/protocol-peer.js";
import { afterHead, startRecordingProxy } from "../helpers/recording-proxy.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { startWsServer, type TestServer } from "../helpers/ws-server.js";

const http = Http.get();
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Runs `outgoing` against `url`, collecting incoming messages made strict. */
async function exchange(
  url: string,
  outgoing: Source<Message, unknown>,
  options: Parameters<Http["singleWebSocketRequest"]>[2] = {},
): Promise<{ upgrade: ValidUpgrade; received: (string | Uint8Array)[] }> {
  const collect = Flow.create<Message>()
    .mapAsync(1, async (m) => {
      const strict = await m.toStrict(5000);
      return strict.isText() ? strict.getStrictText() : strict.asBinaryMessage().getStrictData();
    })
    .toMat(Sink.seq<string | Uint8Array>(), Keep.right);
  const [upgrade, received] = http.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(collect, outgoing, Keep.left),
    options,
  );
  const u = await upgrade;
  assert.ok(u instanceof ValidUpgrade, u.invalidationReason);
  return { upgrade: u, received: await received };
}

describe("interop with the ws server", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer({ maxPayload: 64 * 1024 * 1024 });
  });
  after(() => server.close());

  it("strict text and binary both ways", async () => {
    const { received } = await exchange(
      server.url(),
      Source.from<Message>([TextMessage.create("héllo ✓"), BinaryMessage.create(Uint8Array.of(1, 2, 3))]),
    );
    assert.deepEqual(received, ["héllo ✓", Uint8Array.of(1, 2, 3)]);
  });

  it("streamed messages go out as fragments, one per element, and come back whole", async () => {
    // The frames are read off the wire between client and server, not out of the server's
    // internals: what is checked is what any server would receive.
    const proxy = await startRecordingProxy(server.port);
    try {
      const { received } = await exchange(
        proxy.url(),
        Source.from<Message>([
          TextMessage.create(Source.from(["stre", "amed ", "tëxt"])),
          BinaryMessage.create(Source.from([Uint8Array.of(0x41), Uint8Array.of(0x42, 0x43)])),
        ]),
      );
      assert.deepEqual(received, ["streamed tëxt", Uint8Array.of(0x41, 0x42, 0x43)]);
      assert.equal(proxy.sent.length, 1);
      // One frame per element; the end is known only once the element source completes, so an
      // empty final frame ends each message.
      assert.deepEqual(sentFrames([afterHead(proxy.sent[0]!)]), [
        "(more) text stre",
        "(more) cont amed ",
        "(more) cont tëxt",
        "cont",
        "(more) binary A",
        "(more) cont BC",
        "cont",
        "close 1000",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a fragmented message from the server arrives streamed, in chunks as frames arrive", async () => {
    const fragmenting = await startWsServer({}, (ws) => {
      ws.send("part one, ", { fin: false });
      setTimeout(() => {
        ws.send("part two", { fin: true });
        ws.close(1000);
      }, 20);
    });
    try {
      const chunks: string[][] = [];
      const [, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(fragmenting.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreachAsync<Message>(1, async (m) => {
            assert.ok(!m.isStrict(), "a fragmented message is streamed");
            chunks.push(await m.asTextMessage().getStreamedText().runWith(Sink.seq()));
          }),
          Source.maybe<Message>(),
          Keep.left,
        ),
      );
      await done;
      assert.deepEqual(chunks, [["part one, ", "part two"]]);
    } finally {
      await fragmenting.close();
    }
  });

  it("a 16 MiB message both ways", async () => {
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const { received } = await exchange(server.url(), Source.single<Message>(BinaryMessage.create(big)), {
      settings: { websocket: { maxMessageSize: 32 * 1024 * 1024 } },
    });
    const echoed = received[0] as Uint8Array;
    assert.equal(echoed.length, big.length);
    assert.equal(
      createHash("sha1").update(echoed).digest("hex"),
      createHash("sha1").update(big).digest("hex"),
    );
  });

  it("large frames built in the frame arena arrive intact over concurrent connections, and every block comes back", async () => {
    const arena = frameArena();
    assert.ok(arena);
    const before = arena.blocksInUse;
    // Sizes on both sides of the arena's limits (2 KiB, 64 KiB, 1 MiB), each with its own bytes.
    const sizes = [2048, 2049, 65_000, 65_536, 65_600, 300_000, 1_048_576, 1_048_700, 1_500_000];
    const message = (connection: number, i: number): Uint8Array => {
      const bytes = new Uint8Array(sizes[i % sizes.length]!);
      let x = connection * 7919 + i;
      for (let j = 0; j < bytes.length; j += 1) {
        x = (x * 1103515245 + 12345) >>> 0;
        bytes[j] = x >>> 24;
      }
      return bytes;
    };
    const connections = [0, 1, 2, 3].map(async (connection) => {
      const sent = Array.from({ length: 18 }, (_, i) => message(connection, i));
      const { received } = await exchange(
        server.url(),
        Source.from(sent.map((bytes) => BinaryMessage.create(bytes) as Message)),
        { settings: { websocket: { maxMessageSize: 4 * 1024 * 1024 } } },
      );
      assert.equal(received.length, sent.length);
      for (const [i, bytes] of sent.entries()) {
        assert.ok(
          Buffer.from(received[i] as Uint8Array).equals(bytes),
          `connection ${connection}, message ${i}`,
        );
      }
    });
    // Frames really come from the arena: some are lent at some point.
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, arena.blocksInUse);
    }, 1);
    try {
      await Promise.all(connections);
    } finally {
      clearInterval(sampler);
    }
    assert.ok(peak > before, "no frame was built in the arena");
    await tick(20);
    assert.equal(arena.blocksInUse, before);
  });

  it("subprotocol negotiation", async () => {
    const negotiating = await startWsServer({
      handleProtocols: (offered) => (offered.has("v2") ? "v2" : false),
    });
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(negotiating.url()).requestSubprotocol("v1", "v2"),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left),
      );
      const u = await upgrade;
      assert.equal(u.chosenSubprotocol, "v2");
      assert.equal(negotiating.requests[0]!.headers["sec-websocket-protocol"], "v1, v2");
      // The 101 itself, made when first read and the same object after.
      assert.equal(u.response.status, 101);
      assert.equal(u.response.statusText, "Switching Protocols");
      assert.equal(u.response.headers.get("sec-websocket-protocol"), "v2");
      assert.equal(u.response.body.length, 0);
      assert.equal(u.response.bodyTruncated, false);
      assert.equal(u.response, u.response);
      await done;
    } finally {
      await negotiating.close();
    }
  });

  it("custom close codes from the server fail the incoming side with PeerClosedConnectionException", async () => {
    const closing = await startWsServer({}, (ws) => ws.close(4001, "go away, app-style"));
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(closing.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      await assert.rejects(done, (e: unknown) => {
        assert.ok(e instanceof PeerClosedConnectionException);
        assert.equal(e.closeCode, 4001);
        assert.equal(e.closeReason, "go away, app-style");
        return true;
      });
      const u = (await upgrade) as ValidUpgrade;
      assert.deepEqual(await u.closed, { code: 4001, reason: "go away, app-style", wasClean: true });
    } finally {
      await closing.close();
    }
  });

  it("a normal close (1000, 1001) completes the incoming side, and closed keeps the reason", async () => {
    const closing = await startWsServer({}, (ws) => ws.close(1001, "restarting"));
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(closing.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      await done;
      assert.deepEqual(await ((await upgrade) as ValidUpgrade).closed, {
        code: 1001,
        reason: "restarting",
        wasClean: true,
      });
    } finally {
      await closing.close();
    }
  });

  it("the client closes with its own code", async () => {
    const seen: { code: number; reason: string }[] = [];
    const observing = await startWsServer({}, (ws: WebSocket) =>
      ws.on("close", (code, reason) => seen.push({ code, reason: reason.toString() })),
    );
    try {
      const snapshot = resourceSnapshot();
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(observing.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      const u = (await upgrade) as ValidUpgrade;
      assert.throws(() => u.close(1005), { code: "WS_ERR_INVALID_CLOSE_CODE" });
      u.close(4002, "client done");
      await done;
      assert.deepEqual(await u.closed, { code: 4002, reason: "client done", wasClean: true }); // the peer echoed both
      await tick(20);
      assert.deepEqual(seen, [{ code: 4002, reason: "client done" }]);
      await snapshot.check();
    } finally {
      await observing.close();
    }
  });

  it("server pings are answered; ping() measures the round trip", async () => {
    const pongs: string[] = [];
    const pinging = await startWsServer({}, (ws) => {
      ws.on("pong", (data) => pongs.push(data.toString()));
      ws.ping("are you there");
    });
    try {
      const [upgrade] = http.singleWebSocketRequest(
        WebSocketRequest.create(pinging.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.right),
      );
      const u = (await upgrade) as ValidUpgrade;
      const rtt = await u.ping("rtt");
      assert.ok(rtt >= 0 && rtt < 1000);
      await tick(20);
      assert.deepEqual(pongs, ["are you there"]);
      u.close();
      await u.closed;
    } finally {
      await pinging.close();
    }
  });

  it("keep-alive sends pings after the idle time, or unsolicited pongs in pong mode", async () => {
    const pings: number[] = [];
    const pongs: number[] = [];
    const watching = await startWsServer({}, (ws) => {
      ws.on("ping", () => pings.push(Date.now()));
      ws.on("pong", () => pongs.push(Date.now()));
    });
    try {
      for (const mode of ["ping", "pong"] as const) {
        const [upgrade, handle] = http.singleWebSocketRequest(
          WebSocketRequest.create(watching.url()),
          Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.right),
          { settings: { websocket: { periodicKeepAliveMaxIdle: 20, periodicKeepAliveMode: mode } } },
        );
        await upgrade;
        await tick(200);
        handle.complete(undefined);
        await ((await upgrade) as ValidUpgrade).closed;
      }
      assert.ok(pings.length >= 2, `${pings.length} pings`);
      assert.ok(pongs.length >= 2, `${pongs.length} pongs`);
    } finally {
      await watching.close();
    }
  });

  it("keepAlivePongTimeout detects a peer that stopped answering", async () => {
    const silent = await startWsServer({ autoPong: false });
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(silent.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        { settings: { websocket: { periodicKeepAliveMaxIdle: 20, keepAlivePongTimeout: 40 } } },
      );
      await upgrade;
      await assert.rejects(done, { code: "WS_ERR_KEEPALIVE_TIMEOUT" });
    } finally {
      await silent.close();
    }
  });

  it("idleTimeout fails a silent connection", async () => {
    const [upgrade, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(server.url()),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      { settings: { idleTimeout: 40 } },
    );
    await upgrade;
    await assert.rejects(done, { code: "WS_ERR_IDLE_TIMEOUT" });
  });
});

describe("interop with the ws server: differential property", () => {
  it("any mix of strict and streamed, text and binary, in frames of any size, with or without permessage-deflate (ws compressing every echo), echoes back exactly", async () => {
    const snapshot = resourceSnapshot();
    const plain = await startWsServer({ perMessageDeflate: false });
    const deflating = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(messageToSend({ maxBytes: 20_000 }), { minLength: 1, maxLength: 6 }),
          fc.constantFrom(1, 7, 125, 126, 65536),
          fc.oneof(fc.constant(false), fc.record({ threshold: fc.constantFrom(0, 64, 1024) })),
          fc.constantFrom(1, 100, 65536),
          async (messages, maxOutgoingFrameSize, perMessageDeflate, strictThreshold) => {
            const server = perMessageDeflate === false ? plain : deflating;
            const { upgrade, received } = await exchange(
              server.url(),
              Source.from(messages.map((m) => m.make())),
              { settings: { websocket: { maxOutgoingFrameSize, perMessageDeflate, strictThreshold } } },
            );
            assert.equal(upgrade.extensions.length, perMessageDeflate === false ? 0 : 1);
            assert.deepEqual(
              received.map(shown),
              messages.map((m) => shown(m.content)),
            );
          },
        ),
        { numRuns: 120 },
      );
    } finally {
      await plain.close();
      await deflating.close();
    }
    await snapshot.check();
  });
});

describe("invalid upgrades are responses, not exceptions", () => {
  it("401 with a body and 404", async () => {
    const { createServer } = await import("node:http");
    const httpServer = createServer((req, res) => {
      if (req.url === "/private") {
        res.writeHead(401, { "Content-Type": "text/plain", "WWW-Authenticate": "Basic" });
        res.end("credentials, please");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
    const port = (httpServer.address() as { port: number }).port;
    try {
      for (const [path, status, body] of [
        ["/private", 401, "credentials, please"],
        ["/nowhere", 404, ""],
      ] as const) {
        const snapshot = resourceSnapshot();
        const [upgrade, done] = http.singleWebSocketRequest(
          WebSocketRequest.create(`ws://127.0.0.1:${port}${path}`),
          Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        );
        const u = await upgrade;
        assert.ok(u instanceof InvalidUpgradeResponse);
        assert.equal(u.isValid, false);
        assert.equal(u.response.status, status);
        assert.equal(new TextDecoder().decode(u.response.body), body);
        assert.match(u.invalidationReason, new RegExp(`expected status 101.*got ${status}`));
        if (status === 401) assert.equal(u.response.headers.get("www-authenticate"), "Basic");
        await assert.rejects(done, { code: "WS_ERR_INVALID_UPGRADE" });
        await snapshot.check();
      }
    } finally {
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    }
  });

  it("connection refused rejects the upgrade with a ConnectionError naming the host", async () => {
    const { createServer } = await import("node:net");
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const [upgrade, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(`ws://127.0.0.1:${port}/`),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
    );
    await assert.rejects(upgrade, (e: unknown) => {
      assert.equal((e as { code: string }).code, "WS_ERR_CONNECTION_FAILED");
      assert.match(String((e as Error).message), new RegExp(`127\\.0\\.0\\.1:${port}.*refused`));
      return true;
    });
    await assert.rejects(done);
  });

  it("a client flow can be materialized once", () => {
    const flow = http.webSocketClientFlow(WebSocketRequest.create("ws://127.0.0.1:1/"));
    const graph = Source.empty<Message>().via(flow).to(Sink.ignore());
    const first = graph.run();
    void first;
    assert.throws(() => graph.run(), { code: "STREAM_ERR_ALREADY_MATERIALIZED" });
  });
});
