import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryMessage,
  ClientTransport,
  Flow,
  Http,
  InvalidArgumentError,
  InvalidUpgradeResponse,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  ValidUpgrade,
  WebSocketAccept,
  WebSocketRejection,
  WebSocketRequest,
} from "../../src/index.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { exchangeStrict, textsOf } from "../helpers/text-exchange.js";

/** Sends `messages` to `url` over `http`, offering `subprotocols`; every message back made strict. */
const exchange = (http: Http, url: string, messages: readonly Message[], subprotocols: string[] = []) =>
  exchangeStrict(http, WebSocketRequest.create(url).requestSubprotocol(...subprotocols), messages);

describe("ClientTransport.inMemory: a handler in the same process, no socket", () => {
  it("serves as newServerAt would: echo strict and streamed, a chosen subprotocol, a clean close", async () => {
    const snapshot = resourceSnapshot();
    const server = ClientTransport.inMemory(
      (request) => new WebSocketAccept(Flow.create<Message>(), request.subprotocols.at(-1)),
    );
    const http = Http.create({ transport: server });
    const big = "streamed ".repeat(20_000); // above strictThreshold on both sides: streamed each way
    const { upgrade, received } = await exchange(
      http,
      "ws://test.local/echo",
      [
        TextMessage.create("hello"),
        BinaryMessage.create(new Uint8Array(100_000).fill(7)),
        TextMessage.create(big),
      ],
      ["v1", "v2"],
    );
    assert.ok(upgrade instanceof ValidUpgrade);
    assert.equal(upgrade.chosenSubprotocol, "v2");
    assert.equal(received.length, 3);
    assert.equal(received[0]!.asTextMessage().getStrictText(), "hello");
    assert.deepEqual(received[1]!.asBinaryMessage().getStrictData(), new Uint8Array(100_000).fill(7));
    assert.equal(received[2]!.asTextMessage().getStrictText(), big);
    assert.deepEqual(await upgrade.closed, { code: 1000, reason: "", wasClean: true });
    assert.equal(server.connections, 0);
    await snapshot.check();
  });

  it("the handler sees the request; its rejection or failure is the client's invalid upgrade, and a failure is reported", async () => {
    const seen: string[] = [];
    const failures: string[] = [];
    const http = Http.create({
      transport: ClientTransport.inMemory(
        (request) => {
          seen.push(`${request.path} ${request.headers.get("x-trace")} ${request.remoteAddress}`);
          if (request.path === "/private") return new WebSocketRejection(403, "not for you");
          if (request.path === "/broken") throw new Error("handler bug");
          return Flow.create<Message>();
        },
        { onHandlerError: (error, request) => failures.push(`${request.url}: ${(error as Error).message}`) },
      ),
    });
    const attempt = async (path: string) => {
      const [upgrade] = http.singleWebSocketRequest(
        WebSocketRequest.create(`ws://test.local${path}`).addHeader("X-Trace", "t1"),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left),
      );
      return upgrade;
    };
    const refused = await attempt("/private");
    assert.ok(refused instanceof InvalidUpgradeResponse);
    assert.equal(refused.response.status, 403);
    assert.equal(new TextDecoder().decode(refused.response.body), "not for you\n");
    const failed = await attempt("/broken");
    assert.ok(failed instanceof InvalidUpgradeResponse);
    assert.equal(failed.response.status, 500);
    assert.ok((await attempt("/fine")) instanceof ValidUpgrade);
    assert.deepEqual(seen, ["/private t1 in-memory", "/broken t1 in-memory", "/fine t1 in-memory"]);
    assert.deepEqual(failures, ["/broken: handler bug"]);
  });

  it("a handler's mistakes answer 500 and are never silent: console.error by default", async () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    const server = ClientTransport.inMemory((request) => {
      if (request.path === "/bad-rejection")
        return new WebSocketRejection(401, "no", [["WWW-Authenticate", "a\r\nX: y"]]);
      return new WebSocketAccept(Flow.create<Message>(), "never-offered");
    });
    try {
      const http = Http.create({ transport: server });
      for (const path of ["/bad-rejection", "/bad-subprotocol"]) {
        const [upgrade] = http.singleWebSocketRequest(
          WebSocketRequest.create(`ws://test.local${path}`),
          Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.empty<Message>(), Keep.left),
        );
        const answer = await upgrade;
        assert.ok(answer instanceof InvalidUpgradeResponse);
        assert.equal(answer.response.status, 500);
      }
    } finally {
      console.error = original;
      await server.close();
    }
    assert.equal(logged.length, 2);
    assert.match(String(logged[0]![0]), /handler failed for \/bad-rejection/);
    assert.ok(logged[0]![1] instanceof InvalidArgumentError);
    assert.match((logged[0]![1] as Error).message, /control characters/);
    assert.match(
      (logged[1]![1] as Error).message,
      /subprotocol never-offered, which the client did not offer/,
    );
  });

  it("a rejection or an acceptance that cannot be sent as it is throws at once", () => {
    for (const status of [101, 200, 299, 600, 401.5, Number.NaN]) {
      assert.throws(() => new WebSocketRejection(status, "x"), InvalidArgumentError, String(status));
    }
    for (const [name, value, code] of [
      ["Bad Name", "v", "WS_ERR_INVALID_HEADER"],
      ["X-Ok", "line\r\nInjected: yes", "WS_ERR_INVALID_HEADER"],
      ["X-Ok", "nul\0", "WS_ERR_INVALID_HEADER"],
      ["Content-Length", "5", "WS_ERR_RESERVED_HEADER"],
      ["connection", "keep-alive", "WS_ERR_RESERVED_HEADER"],
      ["Transfer-Encoding", "chunked", "WS_ERR_RESERVED_HEADER"],
      ["Content-Type", "text/html", "WS_ERR_RESERVED_HEADER"],
    ] as const) {
      assert.throws(
        () => new WebSocketRejection(401, "x", [[name, value]]),
        (e: unknown) => e instanceof InvalidArgumentError && e.code === code,
        `${name}: ${value}`,
      );
    }
    assert.throws(() => new WebSocketAccept(Flow.create<Message>(), "chat v2"), InvalidArgumentError);
    // Redirects and errors with their headers are fine.
    assert.equal(new WebSocketRejection(301, "moved", [["Location", "/elsewhere"]]).status, 301);
    assert.equal(new WebSocketRejection(503, "busy", [["Retry-After", "5"]]).headers.length, 1);
  });

  it("negotiates permessage-deflate when both sides' settings enable it", async () => {
    const deflate = { websocket: { perMessageDeflate: { threshold: 0 } } };
    const http = Http.create({
      ...deflate,
      transport: ClientTransport.inMemory(() => Flow.create<Message>(), { settings: deflate }),
    });
    const texts = Array.from({ length: 20 }, (_, i) => `${i}: ${"compressible ".repeat(50 + i)}`);
    const { upgrade, received } = await exchange(
      http,
      "ws://test.local/",
      texts.map((t) => TextMessage.create(t)),
    );
    assert.deepEqual(
      upgrade.extensions.map((e) => e.name),
      ["permessage-deflate"],
    );
    assert.deepEqual(textsOf(received), texts);
  });

  it("many connections at once; close() ends the open ones with 1001, as unbind does", async () => {
    const snapshot = resourceSnapshot();
    const server = ClientTransport.inMemory(() => Flow.create<Message>());
    const http = Http.create({ transport: server });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        exchange(http, `ws://test.local/${i}`, [TextMessage.create(`n${i}`)]),
      ),
    );
    assert.deepEqual(
      results.map((r) => textsOf(r.received)[0]),
      Array.from({ length: 50 }, (_, i) => `n${i}`),
    );
    const [upgrade, done] = http.singleWebSocketRequest(
      WebSocketRequest.create("ws://test.local/held"),
      Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
    );
    const open = await upgrade;
    assert.ok(open instanceof ValidUpgrade);
    assert.equal(server.connections, 1);
    await server.close();
    await done;
    assert.deepEqual(await open.closed, { code: 1001, reason: "server shutting down", wasClean: true });
    assert.equal(server.connections, 0);
    await snapshot.check();
  });

  it("a handler that ends at once closes the connection normally", async () => {
    const http = Http.create({
      transport: ClientTransport.inMemory(() =>
        Flow.fromSinkAndSource(Sink.ignore<Message>(), Source.single<Message>(TextMessage.create("bye"))),
      ),
    });
    const [upgrade, received] = http.singleWebSocketRequest(
      WebSocketRequest.create("ws://test.local/"),
      Flow.fromSinkAndSourceMat(Sink.seq<Message>(), Source.maybe<Message>(), Keep.left),
    );
    assert.deepEqual(textsOf(await received), ["bye"]);
    const u = await upgrade;
    assert.ok(u instanceof ValidUpgrade);
    assert.equal((await u.closed).code, 1000);
  });

  it("a client that sends no valid request head gets a 400 or 431, and the handler is never asked", async () => {
    let asked = 0;
    const server = ClientTransport.inMemory(() => {
      asked++;
      return Flow.create<Message>();
    });
    const answer = async (bytes: string) => {
      const chunks = await Source.single(new TextEncoder().encode(bytes))
        .via(server.connectTo("test.local", 80, {}))
        .runWith(Sink.seq<Uint8Array>());
      return new TextDecoder().decode(Buffer.concat(chunks)).split("\r\n")[0];
    };
    assert.equal(await answer("HELLO\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    assert.equal(await answer("GET / HTTP/1.1\r\nBad Header\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    // A well-formed request that is not a valid upgrade is refused as newServerAt's validation refuses it.
    assert.equal(await answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    assert.equal(
      await answer(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
      ),
      "HTTP/1.1 426 Upgrade Required",
    );
    assert.equal(
      await answer(`GET / HTTP/1.1\r\nX: ${"a".repeat(20_000)}`),
      "HTTP/1.1 431 Request Header Fields Too Large",
    );
    assert.equal(asked, 0);
    assert.equal(server.connections, 0);
  });

  it("frames sent in the same chunk as the head reach the server intact, every byte value", async () => {
    const server = ClientTransport.inMemory(() => Flow.create<Message>());
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i); // 0x80-0x9F too: no text decoding
    const head = new TextEncoder().encode(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    // A masked binary frame with a zero mask key (its payload goes as it is): 126 means a 16-bit length.
    const frame = Uint8Array.from([0x82, 0x80 | 126, 0x01, 0x00, 0, 0, 0, 0, ...payload]);
    const chunks = await Source.single(new Uint8Array([...head, ...frame]))
      .via(server.connectTo("test.local", 80, {}))
      .runWith(Sink.seq<Uint8Array>());
    const answer = Buffer.concat(chunks);
    const body = answer.subarray(answer.indexOf("\r\n\r\n") + 4);
    assert.match(answer.toString("latin1"), /^HTTP\/1\.1 101 /);
    assert.deepEqual([...body.subarray(0, 4)], [0x82, 126, 0x01, 0x00], "the echo: binary, 256 bytes");
    assert.deepEqual([...body.subarray(4, 4 + 256)], [...payload]);
  });

  it("back-pressure crosses the pipe: a slow handler holds the client's source back", async () => {
    let produced = 0;
    let consumed = 0;
    let ahead = 0;
    const server = ClientTransport.inMemory(() =>
      Flow.create<Message>().mapAsync(1, async (m) => {
        await new Promise((r) => setTimeout(r, 1));
        consumed++;
        return m;
      }),
    );
    const [upgrade, done] = Http.create({ transport: server }).singleWebSocketRequest(
      WebSocketRequest.create("ws://test.local/slow"),
      Flow.fromSinkAndSourceMat(
        Sink.ignore<Message>(),
        Source.range(1, 300).map((): Message => {
          produced++;
          ahead = Math.max(ahead, produced - consumed);
          return BinaryMessage.create(new Uint8Array(10_000));
        }),
        Keep.left, // the incoming side's end: every echo received
      ),
    );
    assert.ok((await upgrade) instanceof ValidUpgrade);
    await done;
    assert.equal(consumed, 300);
    // Without back-pressure the client would produce all 300 at once; the buffers between the two
    // (the client's and server's engines, the pipe's 16 chunks each way) hold a few dozen at most.
    assert.ok(ahead < 100, `the client ran ${ahead} messages ahead of the handler`);
  });

  it("refuses a handler that is not a function, at once", () => {
    assert.throws(() => ClientTransport.inMemory("echo" as never), InvalidArgumentError);
  });
});
