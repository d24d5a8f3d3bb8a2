import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import {
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketAccept,
  WebSocketRejection,
  WebSocketRequest,
} from "../../src/index.js";
import { shown } from "../helpers/message-arbitrary.js";
import { resourceSnapshot } from "../helpers/resources.js";

const http = Http.get();
const echoFlow = () => Flow.create<Message>();

function openWs(
  url: string,
  protocols?: string[],
  options: WebSocket.ClientOptions = {},
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Sends raw bytes to the server and returns everything it answered until it closed. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.from(request, "latin1")));
    let answer = "";
    socket.on("data", (d) => {
      answer += d.toString("latin1");
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", () => resolve(answer));
  });
}

describe("server side: newServerAt(...).bindFlow(handler)", () => {
  it("echoes for the ws client: strict and fragmented, text and binary", async () => {
    const snapshot = resourceSnapshot();
    const binding = await http.newServerAt("127.0.0.1", 0).bindFlow(() => echoFlow());
    try {
      const ws = await openWs(binding.url("/echo"));
      const received: (string | Buffer)[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on("message", (data, isBinary) => {
          received.push(isBinary ? (data as Buffer) : data.toString());
          if (received.length === 3) resolve();
        }),
      );
      ws.send("plain");
      ws.send(Buffer.from([1, 2, 3]));
      ws.send("frag", { fin: false });
      ws.send("mented", { fin: true });
      await done;
      assert.deepEqual(received, ["plain", Buffer.from([1, 2, 3]), "fragmented"]);
      const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
      ws.close(1000);
      assert.equal(await closed, 1000);
    } finally {
      await binding.unbind();
    }
    await snapshot.check();
  });

  it("serves wsflow's own client, streamed messages included", async () => {
    const binding = await http
      .newServerAt("127.0.0.1", 0)
      .bindFlow(() =>
        Flow.create<Message>().mapAsync(1, async (m) =>
          TextMessage.create(`got ${(await m.asTextMessage().toStrict(1000)).getStrictText()}`),
        ),
      );
    try {
      const [, received] = http.singleWebSocketRequest(
        WebSocketRequest.create(binding.url()),
        Flow.fromSinkAndSourceMat(
          Sink.seq<Message>(),
          Source.from<Message>([TextMessage.create("a"), TextMessage.create(Source.from(["b", "c"]))]),
          Keep.left,
        ),
      );
      assert.deepEqual(
        (await received).map((m) => m.asTextMessage().getStrictText()),
        ["got a", "got bc"],
      );
    } finally {
      await binding.unbind();
    }
  });

  it("the handler sees the request, chooses a subprotocol, or rejects", async () => {
    const seen: string[] = [];
    const binding = await http.newServerAt("127.0.0.1", 0).bindFlow((request) => {
      seen.push(`${request.path} ${request.headers.get("x-user")} ${request.subprotocols.join(",")}`);
      if (request.path === "/private")
        return new WebSocketRejection(401, "who are you? ¿quién?", [
          ["WWW-Authenticate", "Basic"],
          ["X-Realm", "café"], // a Latin-1 value: one byte on the wire, as the client reads heads
        ]);
      return new WebSocketAccept(echoFlow(), request.subprotocols.includes("v2") ? "v2" : undefined);
    });
    try {
      const ws = await openWs(binding.url("/chat?x=1"), ["v1", "v2"], { headers: { "X-User": "ann" } });
      assert.equal(ws.protocol, "v2");
      ws.terminate();
      const [upgrade, done] = http.singleWebSocketRequest(
        WebSocketRequest.create(binding.url("/private")),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
      );
      const u = await upgrade;
      assert.equal(u.response.status, 401);
      assert.equal(new TextDecoder().decode(u.response.body), "who are you? ¿quién?\n");
      assert.equal(u.response.headers.get("www-authenticate"), "Basic");
      assert.equal(u.response.headers.get("x-realm"), "café");
      await assert.rejects(done);
      assert.deepEqual(seen, ["/chat ann v1,v2", "/private undefined "]);
    } finally {
      await binding.unbind();
    }
  });

  it("invalid upgrade requests get 400, other versions 426 with Sec-WebSocket-Version: 13", async () => {
    const binding = await http.newServerAt("127.0.0.1", 0).bindFlow(() => echoFlow());
    const port = binding.localAddress.port;
    const head = (headers: string) =>
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`;
    try {
      const badKey = await rawExchange(
        port,
        head("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"),
      );
      assert.match(badKey, /^HTTP\/1\.1 400 /);
      const oldVersion = await rawExchange(
        port,
        head("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
      );
      assert.match(oldVersion, /^HTTP\/1\.1 426 /);
      assert.match(oldVersion, /\r\nSec-WebSocket-Version: 13\r\n/);
      const plainHttp = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assert.match(plainHttp, /^HTTP\/1\.1 426 /);
    } finally {
      await binding.unbind();
    }
  });

  it("an unmasked client frame fails the connection with 1002", async () => {
    const binding = await http.newServerAt("127.0.0.1", 0).bindFlow(() => echoFlow());
    try {
      const answer = await rawExchange(
        binding.localAddress.port,
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x81\x02hi",
      );
      const body = Buffer.from(answer.slice(answer.indexOf("\r\n\r\n") + 4), "latin1");
      assert.equal(body[0], 0x88, "a Close frame");
      assert.equal((body[2]! << 8) | body[3]!, 1002);
    } finally {
      await binding.unbind();
    }
  });

  it("a protocol error while echoing a streamed message closes at once, not after closeTimeout", async () => {
    // The echo of a fragmented message is a streamed message fed by the one arriving. After the
    // server failed the connection, its queued pieces used to wait for that echo, which could no
    // longer send: the connection lingered until closeTimeout.
    const binding = await http
      .newServerAt("127.0.0.1", 0, { settings: { websocket: { closeTimeout: 30_000 } } })
      .bindFlow(() => echoFlow());
    // A client that keeps its side open after the server's FIN (as one may): the server must not
    // depend on it closing to finish.
    const socket = connect({ port: binding.localAddress.port, host: "127.0.0.1", allowHalfOpen: true });
    try {
      const received: Buffer[] = [];
      socket.on("data", (d: Buffer) => received.push(d));
      const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
      await new Promise((resolve) => socket.once("connect", resolve));
      const masked = (first: number, payload: number[]) =>
        Buffer.from([first, 0x80 | payload.length, 0, 0, 0, 0, ...payload]);
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      socket.write(masked(0x02, [1, 2, 3])); // binary, not final: the echo starts streaming
      for (let i = 0; i < 200 && !Buffer.concat(received).includes(Buffer.from([0x02, 0x03, 1, 2, 3])); i++)
        await new Promise((r) => setTimeout(r, 10));
      // Three more pieces and a continuation with RSV2 set (1002), in one write: the pieces the echo
      // has not asked for yet are queued when the server fails the connection.
      socket.write(
        Buffer.concat([masked(0x00, [4, 5]), masked(0x00, [6, 7]), masked(0x00, [8]), masked(0x20, [9])]),
      );
      await ended; // the server's FIN, after its Close
      for (let i = 0; i < 1000 && binding.connections > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(
        binding.connections,
        0,
        "the server finished the connection well before closeTimeout (30 s)",
      );
      const all = Buffer.concat(received);
      const frames = all.subarray(all.indexOf("\r\n\r\n") + 4);
      assert.deepEqual([...frames.subarray(0, 5)], [0x02, 0x03, 1, 2, 3], "the echo's first fragment");
      assert.equal(frames[5], 0x88, "then a Close");
      assert.equal(frames.readUInt16BE(7), 1002);
    } finally {
      socket.destroy();
      await binding.unbind();
    }
  });

  it("unbind closes open connections with 1001 and leaves nothing behind", async () => {
    const snapshot = resourceSnapshot();
    const binding = await http
      .newServerAt("127.0.0.1", 0)
      .bindFlow(() => Flow.fromSinkAndSource(Sink.ignore<Message>(), Source.maybe<Message>()));
    const ws = await openWs(binding.url());
    const code = new Promise<number>((resolve) => ws.on("close", (c) => resolve(c)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(binding.connections, 1);
    await binding.unbind();
    assert.equal(await code, 1001);
    await snapshot.check();
  });
});

describe("server side on your own Node http server", () => {
  it("webSocketUpgradeListener answers the server's upgrade events", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_req, res) => res.end("plain http still works"));
    const listener = http.webSocketUpgradeListener((request) =>
      request.path === "/ws" ? echoFlow() : new WebSocketRejection(404, "not here"),
    );
    server.on("upgrade", listener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const ws = await openWs(`ws://127.0.0.1:${port}/ws`);
      const echoed = new Promise<string>((resolve) => ws.once("message", (d) => resolve(d.toString())));
      ws.send("own server");
      assert.equal(await echoed, "own server");
      assert.equal(listener.connections, 1);
      await assert.rejects(openWs(`ws://127.0.0.1:${port}/other`), /404/);
      await listener.close();
      assert.equal(listener.connections, 0);
    } finally {
      await listener.close(); // upgraded sockets keep an http server open until they end
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("server side: differential property with the ws client", () => {
  it("any text and binary messages, whole or fragmented at any byte, compressed by ws or not, echo back exactly", async () => {
    const snapshot = resourceSnapshot();
    const binding = await Http.create({ websocket: { perMessageDeflate: true } })
      .newServerAt("127.0.0.1", 0)
      .bindFlow(() => echoFlow());
    /** A message: text (any code points) or bytes, and the byte offsets its fragments start at. */
    const message = fc.record({
      content: fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.uint8Array({ maxLength: 20_000 })),
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { minLength: 1, maxLength: 6 }),
          fc.boolean(),
          async (messages, deflate) => {
            const ws = await openWs(binding.url("/echo"), undefined, {
              perMessageDeflate: deflate ? { threshold: 0 } : false,
            });
            try {
              assert.equal(ws.extensions, deflate ? "permessage-deflate" : "");
              const received: string[] = [];
              const all = new Promise<void>((resolve) =>
                ws.on("message", (data, isBinary) => {
                  received.push(shown(isBinary ? new Uint8Array(data as Buffer) : data.toString()));
                  if (received.length === messages.length) resolve();
                }),
              );
              for (const { content, cuts } of messages) {
                const bytes = Buffer.from(content);
                const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
                const pieces = [0, ...at].map((from, i, starts) =>
                  bytes.subarray(from, starts[i + 1] ?? bytes.length),
                );
                // Text fragments cut inside UTF-8 sequences: the message is valid as a whole (RFC 6455 §5.6).
                for (const [i, piece] of pieces.entries()) {
                  ws.send(piece, { binary: typeof content !== "string", fin: i === pieces.length - 1 });
                }
              }
              await all;
              assert.deepEqual(
                received,
                messages.map((m) => shown(m.content)),
              );
            } finally {
              const closed = new Promise((r) => ws.once("close", r));
              ws.close(1000);
              await closed;
            }
          },
        ),
        { numRuns: 100 },
      );
    } finally {
      await binding.unbind();
    }
    await snapshot.check();
  });
});
