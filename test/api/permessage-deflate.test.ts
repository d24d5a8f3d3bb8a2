import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import WebSocket from "ws";
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
import { exchangeStrict } from "../helpers/text-exchange.js";
import { startWsServer } from "../helpers/ws-server.js";

const deflating = Http.create({ websocket: { perMessageDeflate: { threshold: 100 } } });

/** Echoes `messages` through `url`; returns the upgrade and what came back, made strict. */
const echo = (url: string, messages: readonly Message[], http = deflating) =>
  exchangeStrict(http, url, messages);

const describeMessage = (m: Message) =>
  m.isText()
    ? `text ${m.asTextMessage().getStrictText().length}`
    : `binary ${m.asBinaryMessage().getStrictData().length}`;

/** 360 KB of text: it arrives streamed (above strictThreshold) and is made strict by `echo`. */
const BIG = "compressible text ".repeat(20_000);
/** Under the threshold, above it, binary, and large enough to arrive streamed. */
const MIXED: readonly Message[] = [
  TextMessage.create("tiny"),
  TextMessage.create("é".repeat(5000)),
  BinaryMessage.create(new Uint8Array(70_000).fill(9)),
  TextMessage.create(BIG),
];
function assertMixedEchoed(received: readonly Message[]): void {
  assert.deepEqual(received.map(describeMessage), [
    "text 4",
    "text 5000",
    "binary 70000",
    `text ${BIG.length}`,
  ]);
  assert.equal(received[3]!.asTextMessage().getStrictText(), BIG);
}

/** The data frames one side sent (its frames after the HTTP head, masked if a client's): opcode and RSV1. */
function dataFrames(chunks: readonly Uint8Array[], expectMasked: boolean): string[] {
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
    { expectMasked, allowedRsv: RSV1_BIT },
  );
  decoder.push(afterHead(chunks));
  return out;
}
/** The data frames a client sent. */
const clientFrames = (chunks: readonly Uint8Array[]) => dataFrames(chunks, true);

describe("permessage-deflate against ws (RFC 7692)", () => {
  it("negotiates and round-trips text and binary, small and large", async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const proxy = await startRecordingProxy(server.port);
    try {
      const snapshot = resourceSnapshot();
      const { upgrade, received } = await echo(proxy.url(), MIXED);
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
      assertMixedEchoed(received);
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
      [{ level: -1 }, /level must be an integer from 0 to 9/],
      [{ level: 10 }, /level/],
      [{ level: 2.5 }, /level/],
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
    assert.deepEqual(deflateSpec({ threshold: 5, level: 1, serverMaxWindowBits: 12 }, able), {
      functions: able,
      threshold: 5,
      level: 1,
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

describe("permessage-deflate on wsflow's server (newServerAt)", () => {
  const serving = Http.create({ websocket: { perMessageDeflate: { threshold: 100 } } });
  const bindEcho = () => serving.newServerAt("127.0.0.1", 0).bindFlow(() => Flow.create<Message>());

  it("wsflow's client and server compress both ways, RSV1 from the threshold on", async () => {
    const binding = await bindEcho();
    const proxy = await startRecordingProxy(binding.localAddress.port);
    try {
      const snapshot = resourceSnapshot();
      const { upgrade, received } = await echo(proxy.url(), MIXED);
      assert.ok(upgrade instanceof ValidUpgrade);
      assert.equal(
        upgrade.response.headers.get("sec-websocket-extensions"),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      );
      assertMixedEchoed(received);
      assert.deepEqual(clientFrames(proxy.sent[0]!).slice(0, 4), ["1", "1 rsv1", "2 rsv1", "1 rsv1"]);
      // The two above the server's strictThreshold reach its echo streamed, and go back so,
      // uncompressed (streamed outgoing messages are never compressed).
      assert.deepEqual(serverFrames(proxy.received[0]!).slice(0, 4), ["1", "1 rsv1", "2 more", "0"]);
      await snapshot.check();
    } finally {
      await proxy.close();
      await binding.unbind();
    }
  });

  it("follows the context of a client that keeps it (ws), message after message", async () => {
    const binding = await bindEcho();
    try {
      const quotes = Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({ symbol: "ACME", bid: 100 + (i % 7) / 8, ask: 101 + (i % 5) / 8, seq: i }).repeat(3),
      );
      const ws = new WebSocket(binding.url(), { perMessageDeflate: { threshold: 0 } });
      const answered = new Promise<string | undefined>((resolve) =>
        ws.once("upgrade", (response) => resolve(response.headers["sec-websocket-extensions"] as string)),
      );
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const takeover = nativeInflatesWithDictionary();
      assert.equal(
        await answered,
        takeover
          ? "permessage-deflate; server_no_context_takeover"
          : "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      );
      const echoed: string[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on("message", (data) => {
          echoed.push(String(data));
          if (echoed.length === quotes.length) resolve();
        }),
      );
      for (const q of quotes) ws.send(q);
      await done;
      assert.deepEqual(echoed, quotes);
      ws.close();
      await new Promise((resolve) => ws.once("close", resolve));
    } finally {
      await binding.unbind();
    }
  });

  it("a malformed offer is a 400; without the setting, offers are ignored", async () => {
    const binding = await bindEcho();
    const plain = await Http.get()
      .newServerAt("127.0.0.1", 0)
      .bindFlow(() => Flow.create<Message>());
    try {
      const request = (offer: string) =>
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`;
      assert.match(await firstLine(binding.localAddress.port, request('permessage-deflate; a="b')), / 400 /);
      const answer = await headOf(plain.localAddress.port, request("permessage-deflate"));
      assert.match(answer, /^HTTP\/1.1 101 /);
      assert.doesNotMatch(answer, /sec-websocket-extensions/i);
    } finally {
      await binding.unbind();
      await plain.unbind();
    }
  });
});

/** The data frames a server sent (its unmasked frames after the HTTP head): opcode and RSV1. */
const serverFrames = (chunks: readonly Uint8Array[]) => dataFrames(chunks, false);

/** Sends `request` and resolves with the response head (up to the blank line), then hangs up. */
function headOf(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request, "latin1"));
    let answer = "";
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
      const end = answer.indexOf("\r\n\r\n");
      if (end !== -1) {
        socket.destroy();
        resolve(answer.slice(0, end));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}
const firstLine = async (port: number, request: string) => (await headOf(port, request)).split("\r\n")[0]!;
