import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import { deflateSpec } from "../../src/api/deflate-spec.js";
import type { DeflateFunctions } from "../../src/extensions/index.js";
import {
  BinaryMessage,
  Flow,
  FrameDecoder,
  type FrameHeader,
  Http,
  InvalidArgumentError,
  InvalidUpgradeResponse,
  Keep,
  type Message,
  RSV1_BIT,
  Sink,
  Source,
  TextMessage,
  ValidUpgrade,
  WebSocketRequest,
} from "../../src/index.js";
import { nativeInflatesWithDictionary } from "../../src/transport/index.js";
import { frame, startHostileServer } from "../helpers/hostile-server.js";
import { afterHead, startRecordingProxy } from "../helpers/recording-proxy.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { startWsServer } from "../helpers/ws-server.js";

const deflating = Http.create({ websocket: { perMessageDeflate: { threshold: 100 } } });

/** Echoes `messages` through `url`; returns the upgrade and what came back, made strict. */
async function echo(url: string, messages: Message[], http = deflating) {
  const [upgrade, received] = http.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(
      Flow.create<Message>()
        .mapAsync(1, (m): Promise<Message> => m.toStrict(5000))
        .toMat(Sink.seq<Message>(), Keep.right),
      Source.from(messages),
      Keep.left,
    ),
  );
  return { upgrade: await upgrade, received: await received };
}

const describeMessage = (m: Message) =>
  m.isText()
    ? `text ${m.asTextMessage().getStrictText().length}`
    : `binary ${m.asBinaryMessage().getStrictData().length}`;

/** The data frames a client sent (its masked frames after the HTTP head): opcode and RSV1. */
function clientFrames(chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  const decoder = new FrameDecoder(
    {
      onFrameStart: (h: FrameHeader) => {
        if (h.opcode <= 2) out.push(`${h.opcode}${h.rsv1 ? " rsv1" : ""}${h.fin ? "" : " more"}`);
      },
      onFramePayload: () => {},
      onFrameEnd: () => {},
      onViolation: (v) => out.push(`INVALID ${v.code}`),
    },
    { expectMasked: true, allowedRsv: RSV1_BIT },
  );
  decoder.push(afterHead(chunks));
  return out;
}

describe("permessage-deflate against ws (RFC 7692)", () => {
  it("negotiates and round-trips text and binary, small and large", async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const proxy = await startRecordingProxy(server.port);
    try {
      const snapshot = resourceSnapshot();
      const big = "compressible text ".repeat(20_000); // 360 KB: arrives streamed, made strict here
      const sent: Message[] = [
        TextMessage.create("tiny"),
        TextMessage.create("é".repeat(5000)),
        BinaryMessage.create(new Uint8Array(70_000).fill(9)),
        TextMessage.create(big),
      ];
      const { upgrade, received } = await echo(proxy.url(), sent);
      assert.ok(upgrade instanceof ValidUpgrade);
      // The server keeps its context where this platform can follow it (not on Deno).
      const takeover = nativeInflatesWithDictionary();
      assert.equal(
        server.requests[0]!.headers["sec-websocket-extensions"],
        takeover
          ? "permessage-deflate; client_no_context_takeover"
          : "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      );
      assert.deepEqual(
        upgrade.extensions.map((e) => [e.name, [...e.params.keys()].sort()]),
        [
          [
            "permessage-deflate",
            takeover
              ? ["client_no_context_takeover"]
              : ["client_no_context_takeover", "server_no_context_takeover"],
          ],
        ],
      );
      assert.deepEqual(received.map(describeMessage), [
        "text 4",
        "text 5000",
        "binary 70000",
        `text ${big.length}`,
      ]);
      assert.equal(received[3]!.asTextMessage().getStrictText(), big);
      // Under the threshold it goes as it is; from it on compressed, RSV1 on the first frame only.
      const frames = clientFrames(proxy.sent[0]!);
      assert.deepEqual(frames.slice(0, 3), ["1", "1 rsv1", "2 rsv1"]);
      assert.equal(frames[3], "1 rsv1");
      await snapshot.check();
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it("the server's context: similar messages arrive several times smaller than without it", {
    skip: !nativeInflatesWithDictionary() && "this platform's zlib ignores raw dictionaries",
  }, async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const proxy = await startRecordingProxy(server.port);
    try {
      const quotes = Array.from({ length: 200 }, (_, i) =>
        TextMessage.create(
          JSON.stringify({
            symbol: "ACME",
            bid: 100 + (i % 7) / 8,
            ask: 101 + (i % 5) / 8,
            venue: "XNYS",
            seq: i,
          }),
        ),
      );
      const withContext = await echo(proxy.url(), quotes);
      const without = await echo(
        proxy.url(),
        quotes,
        Http.create({ websocket: { perMessageDeflate: { threshold: 0, serverNoContextTakeover: true } } }),
      );
      for (const run of [withContext, without])
        assert.deepEqual(
          run.received.map((m) => m.asTextMessage().getStrictText()),
          quotes.map((m) => m.asTextMessage().getStrictText()),
        );
      assert.equal(
        server.requests[1]!.headers["sec-websocket-extensions"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      );
      const bytes = (i: number) => afterHead(proxy.received[i]!).length;
      assert.ok(bytes(0) * 3 < bytes(1), `${bytes(0)} bytes with the context, ${bytes(1)} without`);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it("asks for a narrower server window, and follows it", async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    try {
      const texts = Array.from({ length: 20 }, (_, i) => `${i} ${"window ".repeat(100 + i * 30)}`);
      const http = Http.create({
        websocket: { perMessageDeflate: { threshold: 0, serverMaxWindowBits: 9 } },
      });
      const { upgrade, received } = await echo(
        server.url(),
        texts.map((t) => TextMessage.create(t)),
        http,
      );
      assert.match(
        String(server.requests[0]!.headers["sec-websocket-extensions"]),
        /; server_max_window_bits=9$/,
      );
      assert.equal(upgrade.extensions[0]!.params.get("server_max_window_bits"), "9");
      assert.deepEqual(
        received.map((m) => m.asTextMessage().getStrictText()),
        texts,
      );
    } finally {
      await server.close();
    }
  });

  it("a server without it: nothing negotiated, nothing compressed", async () => {
    const server = await startWsServer({ perMessageDeflate: false });
    try {
      const { upgrade, received } = await echo(server.url(), [TextMessage.create("x".repeat(1000))]);
      assert.deepEqual(upgrade.extensions, []);
      assert.deepEqual(received.map(describeMessage), ["text 1000"]);
    } finally {
      await server.close();
    }
  });

  it("off by default: no offer", async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    try {
      const { upgrade } = await echo(server.url(), [TextMessage.create("x")], Http.get());
      assert.deepEqual(upgrade.extensions, []);
      assert.equal(server.requests[0]!.headers["sec-websocket-extensions"], undefined);
    } finally {
      await server.close();
    }
  });

  it("rejects invalid settings at once, naming them", () => {
    for (const [perMessageDeflate, name] of [
      [{ threshold: -1 }, /threshold/],
      [{ threshold: 1.5 }, /threshold/],
      ["yes", /perMessageDeflate must be/],
      [null, /perMessageDeflate must be/],
      [{ serverNoContextTakeover: "no" }, /serverNoContextTakeover/],
      [{ serverMaxWindowBits: 7 }, /serverMaxWindowBits/],
      [{ serverMaxWindowBits: 16 }, /serverMaxWindowBits/],
      [{ serverMaxWindowBits: 10.5 }, /serverMaxWindowBits/],
    ] as const)
      assert.throws(
        () => Http.create({ websocket: { perMessageDeflate: perMessageDeflate as never } }),
        (e) => e instanceof InvalidArgumentError && name.test(e.message),
      );
  });

  it("never lets the server keep its context where inflate cannot take a dictionary (Deno's zlib)", () => {
    const functions = (inflatesWithDictionary: boolean): DeflateFunctions => ({
      deflate: (d) => d,
      inflate: (d) => d,
      inflatesWithDictionary,
    });
    assert.deepEqual(deflateSpec(true, functions(true))?.offer, { serverNoContextTakeover: false });
    assert.deepEqual(deflateSpec(true, functions(false))?.offer, { serverNoContextTakeover: true });
    assert.deepEqual(deflateSpec({ serverNoContextTakeover: true }, functions(true))?.offer, {
      serverNoContextTakeover: true,
    });
    const able = functions(true);
    assert.deepEqual(deflateSpec({ threshold: 5, serverMaxWindowBits: 12 }, able), {
      functions: able,
      threshold: 5,
      offer: { serverNoContextTakeover: false, serverMaxWindowBits: 12 },
    });
    assert.equal(deflateSpec(true, functions(true))!.threshold, 1024);
    assert.equal(deflateSpec(false, functions(true)), undefined);
  });
});

describe("permessage-deflate against hostile servers", () => {
  it("an acceptance that breaks RFC 7692 is an invalid upgrade naming the rule", async () => {
    const server = await startHostileServer((_socket, _request, reply101) =>
      reply101("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n"),
    );
    try {
      const [upgrade, done] = deflating.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      const u = await upgrade;
      assert.ok(u instanceof InvalidUpgradeResponse);
      assert.match(u.cause, /client_max_window_bits, which was not offered/);
      await assert.rejects(done, { code: "WS_ERR_INVALID_UPGRADE" });
    } finally {
      await server.close();
    }
  });

  it("a decompression bomb fails the connection with 1009 at maxMessageSize, bad data with 1007", async () => {
    const bomb = deflateRawSync(Buffer.alloc(50_000_000), { finishFlush: 2 });
    for (const [payload, code, closeCode] of [
      [bomb.subarray(0, bomb.length - 4), "WS_ERR_MESSAGE_TOO_BIG", 1009],
      [Buffer.from([0xff, 0xff, 0xff]), "WS_ERR_INVALID_COMPRESSED_DATA", 1007],
    ] as const) {
      const server = await startHostileServer((socket, _request, reply101) => {
        reply101("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n");
        socket.write(frame(2, Buffer.from(payload), true, 0x40));
      });
      try {
        const snapshot = resourceSnapshot();
        const http = Http.create({ websocket: { perMessageDeflate: true, maxMessageSize: 1_000_000 } });
        const [upgrade, done] = http.singleWebSocketRequest(
          WebSocketRequest.create(server.url()),
          Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        );
        assert.ok((await upgrade) instanceof ValidUpgrade);
        await assert.rejects(done, { code });
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(server.closeCodes(), [closeCode]);
        await snapshot.check();
      } finally {
        await server.close();
      }
    }
  });
});
