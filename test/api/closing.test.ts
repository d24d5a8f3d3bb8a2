import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryMessage,
  Flow,
  FrameDecoder,
  type FrameHeader,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  type ValidUpgrade,
  WebSocketRequest,
} from "../../src/index.js";
import { frame, startHostileServer } from "../helpers/hostile-server.js";
import { startRawServer, upgradeResponse } from "../helpers/raw-server.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { startWsServer } from "../helpers/ws-server.js";

const http = Http.get();

/** Frames a raw server received from the client, decoded. */
function frameLog(): { push(chunk: Buffer): void; frames: { header: FrameHeader; payload: Buffer }[] } {
  const frames: { header: FrameHeader; payload: Buffer }[] = [];
  let current: { header: FrameHeader; parts: Buffer[] } | undefined;
  const decoder = new FrameDecoder(
    {
      onFrameStart: (header) => {
        current = { header, parts: [] };
      },
      onFramePayload: (c) => current!.parts.push(Buffer.from(c)),
      onFrameEnd: () => frames.push({ header: current!.header, payload: Buffer.concat(current!.parts) }),
      onViolation: (v) => assert.fail(v.message),
    },
    { expectMasked: true },
  );
  return { push: (chunk) => decoder.push(new Uint8Array(chunk)), frames };
}

describe("closing, as in Akka", () => {
  it("failing the outgoing source sends Close 1011", async () => {
    const codes: number[] = [];
    const server = await startWsServer({}, (ws) => ws.on("close", (code) => codes.push(code)));
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.ignore<Message>(),
          Source.failed<Message>(new Error("producer broke")),
          Keep.left,
        ),
      );
      await upgrade;
      await done.catch(() => {});
      await ((await upgrade) as ValidUpgrade).closed;
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(codes, [1011]);
    } finally {
      await server.close();
    }
  });

  it("an outgoing failure whose message is too long for a Close frame still closes cleanly with 1011", async () => {
    const closes: [number, string][] = [];
    const server = await startWsServer({}, (ws) =>
      ws.on("close", (code, reason) => closes.push([code, reason.toString()])),
    );
    try {
      const message = `${"why ".repeat(40)}ünïcödé`;
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.ignore<Message>(),
          Source.failed<Message>(new Error(message)),
          Keep.left,
        ),
      );
      const closed = await ((await upgrade) as ValidUpgrade).closed;
      await done.catch(() => {});
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(closed.wasClean, true);
      assert.equal(closes.length, 1);
      assert.equal(closes[0]![0], 1011);
      assert.ok(message.startsWith(closes[0]![1]) && closes[0]![1].length > 100, closes[0]![1]);
    } finally {
      await server.close();
    }
  });

  it("cancelling the incoming side closes the connection", async () => {
    const codes: number[] = [];
    const server = await startWsServer({}, (ws) => {
      ws.on("close", (code) => codes.push(code));
      for (let i = 0; i < 5; i++) ws.send(`m${i}`);
    });
    try {
      const snapshot = resourceSnapshot();
      const [upgrade, first] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.head<Message>(), Source.maybe<Message>(), Keep.left),
      );
      assert.equal((await first).asTextMessage().getStrictText(), "m0");
      const closed = await ((await upgrade) as ValidUpgrade).closed;
      assert.equal(closed.wasClean, true);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(codes, [1000]);
      await snapshot.check();
    } finally {
      await server.close();
    }
  });

  it("a TCP drop without a Close fails the incoming side (abnormal closure, 1006)", async () => {
    const dropper = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi"
      setTimeout(() => socket.destroy(), 10);
    });
    try {
      const received: string[] = [];
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(dropper.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreach<Message>((m) => received.push(m.asTextMessage().getStrictText())),
          Source.maybe<Message>(),
          Keep.left,
        ),
      );
      await assert.rejects(done, { code: "WS_ERR_ABNORMAL_CLOSURE" });
      assert.deepEqual(received, ["hi"]);
      assert.deepEqual(await ((await upgrade) as ValidUpgrade).closed, {
        code: 1006,
        reason: "",
        wasClean: false,
      });
    } finally {
      await dropper.close();
    }
  });

  it("closeTimeout ends a connection whose server never answers our Close", async () => {
    const mute = await startRawServer((socket, request) => socket.write(upgradeResponse(request.key)));
    try {
      const snapshot = resourceSnapshot();
      const started = performance.now();
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(mute.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left),
        { settings: { websocket: { closeTimeout: 100 } } },
      );
      await upgrade;
      await assert.rejects(done, { code: "WS_ERR_ABNORMAL_CLOSURE" });
      assert.ok(performance.now() - started >= 90);
      await snapshot.check();
    } finally {
      await mute.close();
    }
  });

  it("a server's Close followed at once by its end of TCP is still answered with Close (RFC 6455 §5.5.1)", async () => {
    // The reply waits for the application's outgoing side (a short grace), but the peer's FIN ends
    // that wait: the Close goes out before our side of TCP closes, and the close is clean.
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    });
    try {
      const snapshot = resourceSnapshot();
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      await done;
      assert.deepEqual(await ((await upgrade) as ValidUpgrade).closed, {
        code: 1000,
        reason: "",
        wasClean: true,
      });
      const deadline = Date.now() + 2000;
      while (server.closeCodes().length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(server.closeCodes(), [1000]);
      await snapshot.check();
    } finally {
      await server.close();
    }
  });
});

describe("message framing", () => {
  it("a large strict message goes out in frames of maxOutgoingFrameSize", async () => {
    const log = frameLog();
    const server = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      if (request.rest.length) log.push(request.rest);
      socket.on("data", (c: Buffer) => log.push(c));
    });
    try {
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.ignore<Message>(),
          Source.single<Message>(BinaryMessage.create(new Uint8Array(2500).fill(9))),
          Keep.left,
        ),
        { settings: { websocket: { maxOutgoingFrameSize: 1000, closeTimeout: 50 } } },
      );
      await upgrade;
      await done.catch(() => {});
      const data = log.frames.filter((f) => f.header.opcode !== 8);
      assert.deepEqual(
        data.map((f) => [f.header.opcode, f.header.fin, f.payload.length]),
        [
          [2, false, 1000],
          [0, false, 1000],
          [0, true, 500],
        ],
      );
      assert.equal(log.frames.at(-1)!.header.opcode, 8, "then Close");
    } finally {
      await server.close();
    }
  });

  it("strict or streamed is decided by the frame header: strictThreshold", async () => {
    const server = await startWsServer({}, (ws) => {
      ws.send("x".repeat(100));
      ws.send("y".repeat(10));
      ws.close();
    });
    try {
      const kinds: string[] = [];
      const [, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(
          Sink.foreachAsync<Message>(1, async (m) => {
            const text = (await m.asTextMessage().toStrict(1000)).getStrictText();
            kinds.push(`${m.isStrict() ? "strict" : "streamed"} ${text.length}`);
          }),
          Source.maybe<Message>(),
          Keep.left,
        ),
        { settings: { websocket: { strictThreshold: 50 } } },
      );
      await done;
      assert.deepEqual(kinds, ["streamed 100", "strict 10"]);
    } finally {
      await server.close();
    }
  });

  it("a streamed message that arrives whole in the same read as the server's Close is delivered whole", async () => {
    // The message is above strictThreshold, so it is handed out streamed and its one chunk waits
    // for the consumer; the Close right behind it used to fail it as incomplete.
    for (const [text, binary] of [
      ["x".repeat(5000), false],
      ["y".repeat(3000), true],
    ] as const) {
      const server = await startHostileServer((socket, _request, reply101) => {
        reply101();
        socket.write(
          Buffer.concat([
            frame(binary ? 2 : 1, Buffer.from(text), true),
            frame(8, Buffer.from([0x03, 0xe8]), true),
          ]),
        );
      });
      try {
        const snapshot = resourceSnapshot();
        const [upgrade, received] = http.singleWebSocketRequest(
          WebSocketRequest.create(server.url()),
          Flow.fromSinkAndSourceMat(
            Flow.create<Message>()
              .mapAsync(1, (m): Promise<Message> => m.toStrict(5000))
              .toMat(Sink.seq<Message>(), Keep.right),
            Source.maybe<Message>(),
            Keep.left,
          ),
          // The scripted server never closes TCP itself (Bun does not close it for it): do not wait 5 s.
          { settings: { websocket: { strictThreshold: 1000, closeTimeout: 300 } } },
        );
        const messages = await received;
        assert.equal(messages.length, 1);
        const m = messages[0]!;
        assert.equal(
          m.isText() ? m.asTextMessage().getStrictText() : m.asBinaryMessage().getStrictData().length,
          binary ? 3000 : text,
        );
        assert.deepEqual(await ((await upgrade) as ValidUpgrade).closed, {
          code: 1000,
          reason: "",
          wasClean: true,
        });
        await snapshot.check();
      } finally {
        await server.close();
      }
    }
  });

  it("a streamed message nobody consumes fails the connection with a clear error, not a silent stall", async () => {
    const server = await startWsServer({}, (ws) => {
      ws.send("first ", { fin: false });
      ws.send("message", { fin: true });
      ws.send("second");
    });
    try {
      const [, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        { settings: { websocket: { streamedMessageTimeout: 50 } } },
      );
      await assert.rejects(done, (e: unknown) => {
        assert.equal((e as { code: string }).code, "WS_ERR_STREAMED_MESSAGE_NOT_CONSUMED");
        assert.match((e as Error).message, /Sink\.ignore/);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it("logFrames shows pings and pongs, which never appear as messages", async () => {
    const server = await startWsServer({}, (ws) => {
      ws.ping("p");
      ws.send("msg");
      ws.close();
    });
    try {
      const lines: string[] = [];
      const [, received] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.seq<Message>(), Source.maybe<Message>(), Keep.left),
        { settings: { websocket: { logFrames: (line) => lines.push(line) } } },
      );
      const messages = await received;
      assert.deepEqual(
        messages.map((m) => m.asTextMessage().getStrictText()),
        ["msg"],
      );
      assert.ok(
        lines.some((l) => l.startsWith("< ping")),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) => l.startsWith("< close")),
        lines.join("\n"),
      );
    } finally {
      await server.close();
    }
  });
});

describe("cancelling the incoming side while the server keeps sending", () => {
  it("drops what still arrives and completes the closing handshake without waiting for closeTimeout", async () => {
    const server = await startHostileServer((socket, _request, reply101) => {
      reply101();
      let sentAfterClose = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(frame(0x1, "more"));
        // Keep talking for a while after the client's Close, as a busy server does, then answer it.
        if (server.closeCodes().length > 0 && ++sentAfterClose === 20) {
          clearInterval(timer);
          socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
        }
      }, 2);
    });
    try {
      const [upgrade, first] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.head<Message>(), Source.maybe<Message>(), Keep.left),
        { settings: { websocket: { closeTimeout: 3000 } } },
      );
      await first;
      const closed = await ((await upgrade) as ValidUpgrade).closed;
      assert.deepEqual(closed, { code: 1000, reason: "", wasClean: true });
    } finally {
      await server.close();
    }
  });
});

describe("substreams never outlive their connection", () => {
  it("an endless outgoing streamed message is cancelled when the connection drops", async () => {
    const dropper = await startRawServer((socket, request) => {
      socket.write(upgradeResponse(request.key));
      socket.on("data", () => {});
      setTimeout(() => socket.destroy(), 20);
    });
    try {
      let sourceEnded!: Promise<void>;
      const chunks = Source.repeat(new Uint8Array(1024)).watchTerminationMat((_, done) => {
        sourceEnded = done;
      });
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(dropper.url()),
        Flow.fromSinkAndSourceMat(
          Sink.ignore<Message>(),
          Source.single<Message>(BinaryMessage.create(chunks)),
          Keep.left,
        ),
      );
      await upgrade;
      await assert.rejects(done);
      // The message's source was materialized by the connection and stopped with it.
      await Promise.race([
        sourceEnded.catch(() => {}),
        new Promise((_, reject) => setTimeout(() => reject(new Error("the source still runs")), 2000)),
      ]);
    } finally {
      await dropper.close();
    }
  });
});
