import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorizedSingleWebSocketRequestExample } from "../../examples/authorized-single-websocket-request.js";
import { clientLayerExample } from "../../examples/client-layer.js";
import { closeAtOnce, listenOnly, sendThenListen } from "../../examples/half-closed.js";
import { singleWebSocketRequestExample } from "../../examples/single-websocket-request.js";
import { testFetchQuote } from "../../examples/testing-in-memory.js";
import { webSocketClientFlowExample } from "../../examples/websocket-client-flow.js";
import { inMemoryEchoServer } from "../helpers/in-memory-echo.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { startWsServer, type TestServer } from "../helpers/ws-server.js";

describe("the seed's examples, against a ws server on 127.0.0.1", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer();
  });
  after(() => server.close());

  it("singleWebSocketRequest prints the echoed message", async () => {
    const snapshot = resourceSnapshot();
    const lines: string[] = [];
    await singleWebSocketRequestExample(server.url("/echo"), (line) => lines.push(line));
    assert.deepEqual(lines, ["Got: hello world"]);
    await snapshot.check();
  });

  it("Basic Auth reaches the server", async () => {
    const status = await authorizedSingleWebSocketRequestExample(server.url("/auth"));
    assert.equal(status, 101);
    const request = server.requests.at(-1)!;
    assert.equal(
      request.headers.authorization,
      `Basic ${Buffer.from("johan:correcthorsebatterystaple").toString("base64")}`,
    );
    assert.equal(request.url, "/auth");
  });

  it("webSocketClientFlow with viaMat(…, Keep.right).toMat(…, Keep.both)", async () => {
    const lines: string[] = [];
    await webSocketClientFlowExample(server.url(), (line) => lines.push(line));
    assert.deepEqual(lines, ["Got: hello world"]);
  });

  it("half-closed: Source.empty closes at once", async () => {
    assert.deepEqual(await closeAtOnce(server.url()), []);
  });

  it("half-closed: Source.maybe keeps listening until completed", async () => {
    const pushing = await startWsServer({}, (ws) => {
      let n = 0;
      const timer = setInterval(() => ws.send(`tick ${++n}`), 10);
      ws.on("close", () => clearInterval(timer));
    });
    try {
      const received = await listenOnly(pushing.url(), 80);
      assert.ok(received.length >= 3, `${received.length} messages`);
      assert.equal(received[0]!.asTextMessage().getStrictText(), "tick 1");
    } finally {
      await pushing.close();
    }
  });

  it("half-closed: a finite source concatenated with Source.maybe", async () => {
    const received = await sendThenListen(server.url(), 100);
    assert.deepEqual(
      received.map((m) => m.asTextMessage().getStrictText()),
      ["one", "two"],
    );
  });

  it("the layer joined with Tcp.outgoingConnection", async () => {
    assert.deepEqual(await clientLayerExample(server.url()), ["over", "the layer"]);
  });

  it("the layer joined with an in-memory transport: no socket at all", async () => {
    const snapshot = resourceSnapshot();
    assert.deepEqual(await clientLayerExample("ws://in-memory.test/", inMemoryEchoServer()), [
      "over",
      "the layer",
    ]);
    await snapshot.check();
  });
});

describe("the in-memory testing example", () => {
  it("tests application code against a fake service, no socket", async () => {
    const snapshot = resourceSnapshot();
    assert.equal(await testFetchQuote(), "ACME 101.25");
    await snapshot.check();
  });
});
