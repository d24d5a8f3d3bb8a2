import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeAcceptKey } from "../../src/handshake/index.js";
import {
  Authorization,
  Flow,
  Http,
  InvalidArgumentError,
  Keep,
  type Message,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";
import { WebSocketProtocol } from "../../src/protocol/index.js";
import { inMemoryEchoServer } from "../helpers/in-memory-echo.js";
import { sendTexts, textsOf } from "../helpers/text-exchange.js";

describe("WebSocketRequest", () => {
  it("is immutable and checks every value at once", () => {
    const base = WebSocketRequest.create("ws://h/p");
    const withHeader = base.addHeader("X-Trace", "1").addHeader(Authorization.bearer("t0k"));
    assert.equal(base.headers.length, 0);
    assert.deepEqual(withHeader.headers, [
      { name: "X-Trace", value: "1" },
      { name: "Authorization", value: "Bearer t0k" },
    ]);
    assert.deepEqual(base.requestSubprotocol("a").requestSubprotocol("b").subprotocols, ["a", "b"]);
    assert.throws(() => base.addHeader("X", "a\r\nEvil: 1"), InvalidArgumentError);
    assert.throws(() => base.addHeader("Sec-WebSocket-Key", "x"), { code: "WS_ERR_RESERVED_HEADER" });
    assert.throws(() => base.requestSubprotocol("not a token"), InvalidArgumentError);
    assert.throws(() => WebSocketRequest.create("https://h/"), { code: "WS_ERR_INVALID_URL" });
    assert.throws(() => WebSocketRequest.create("ws://h/#frag"), { code: "WS_ERR_INVALID_URL" });
    assert.equal(WebSocketRequest.create(new URL("wss://example.com")).uri.port, 443);
  });

  it("Authorization.basic encodes user:password as UTF-8 base64", () => {
    assert.deepEqual(Authorization.basic("johan", "correcthorsebatterystaple"), {
      name: "Authorization",
      value: `Basic ${Buffer.from("johan:correcthorsebatterystaple").toString("base64")}`,
    });
    assert.equal(
      Authorization.basic("ü", "p").value,
      `Basic ${Buffer.from("ü:p", "utf8").toString("base64")}`,
    );
  });
});

describe("settings", () => {
  it("invalid settings throw at once, naming the setting", () => {
    assert.throws(() => Http.create({ connectingTimeout: -1 }), /connectingTimeout/);
    assert.throws(() => Http.create({ websocket: { maxMessageSize: 0 } }), /websocket\.maxMessageSize/);
    assert.throws(
      () => Http.create({ websocket: { periodicKeepAliveMode: "nap" as "ping" } }),
      /periodicKeepAliveMode/,
    );
    assert.throws(
      () =>
        Http.get().webSocketClientFlow(WebSocketRequest.create("ws://h/"), {
          settings: { idleTimeout: Number.NaN },
        }),
      InvalidArgumentError,
    );
  });

  it("a ClientTransport in the settings replaces TCP", async () => {
    const http = Http.create({ transport: { connectTo: () => inMemoryEchoServer() } });
    const [upgrade, received] = sendTexts(http, "ws://nowhere.test/", ["piped"]);
    assert.equal((await upgrade).response.status, 101);
    assert.deepEqual(textsOf(await received), ["piped"]);
  });

  it("a transport that pulls only when pulled (a plain function over the bytes) is enough", async () => {
    // Each chunk in gives one chunk out, and the pipe asks for input only when the client asks
    // for output: the client must want the response before it has sent the request.
    const lazyEchoServer = () => {
      let protocol: WebSocketProtocol | undefined;
      return Flow.fromFunction((chunk: Uint8Array): Uint8Array => {
        if (protocol === undefined) {
          protocol = new WebSocketProtocol({ role: "server" });
          const key = /sec-websocket-key:\s*(\S+)/i.exec(Buffer.from(chunk).toString("latin1"))?.[1] ?? "";
          return Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`,
          );
        }
        protocol.receiveData(chunk.slice());
        for (const e of protocol.eventsReceived())
          if (e.kind === "message" && e.messageType === "text") protocol.sendText(e.data.slice());
        return Buffer.concat(protocol.dataToSend());
      });
    };
    const http = Http.create({ transport: { connectTo: () => lazyEchoServer() } });
    const [upgrade, received] = http.singleWebSocketRequest(
      WebSocketRequest.create("ws://nowhere.test/"),
      Flow.fromSinkAndSourceMat(
        Sink.seq<Message>(),
        Source.from(["one", "two"].map((t) => TextMessage.create(t))),
        Keep.left,
      ),
      // This "server" never ends the byte stream itself, and a client leaves that to the server
      // (RFC 6455 §7.1.1): after the closing handshake it waits up to closeTimeout for it.
      { settings: { websocket: { closeTimeout: 100 } } },
    );
    assert.equal((await upgrade).response.status, 101);
    assert.deepEqual(
      (await received).map((m) => m.asTextMessage().getStrictText()),
      ["one", "two"],
    );
  });
});
