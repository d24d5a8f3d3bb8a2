import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryMessage,
  Flow,
  frameArena,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  WebSocketRequest,
} from "../../src/index.js";
import { startRawServer } from "../helpers/raw-server.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { exchangeStrict, sendTexts } from "../helpers/text-exchange.js";
import { startWsServer, wssEchoFixture } from "../helpers/ws-server.js";

const http = Http.get();
const echoOnce = (url: string, options: Parameters<Http["singleWebSocketRequest"]>[2] = {}) =>
  sendTexts(http, url, ["secure"], options);

describe("wss: TLS with a self-signed certificate made for the test", () => {
  const server = wssEchoFixture();

  it("connects when the certificate is trusted (ca), with SNI", async () => {
    const snapshot = resourceSnapshot();
    const [upgrade, received] = echoOnce(`wss://localhost:${server.port}/`, { tls: { ca: server.cert } });
    assert.equal((await upgrade).response.status, 101);
    assert.deepEqual(
      (await received).map((m) => m.asTextMessage().getStrictText()),
      ["secure"],
    );
    await snapshot.check();
  });

  it("large frames from the frame arena go through TLS intact, and their blocks come back", async () => {
    const arena = frameArena()!;
    const before = arena.blocksInUse;
    const sent = [3000, 70_000, 1_000_000].map((n) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff),
    );
    const { upgrade, received } = await exchangeStrict(
      http,
      `wss://localhost:${server.port}/`,
      sent.map((b) => BinaryMessage.create(b)),
      { tls: { ca: server.cert } },
    );
    assert.equal(upgrade.response.status, 101);
    const echoed = received.map((m) => m.asBinaryMessage().getStrictData());
    assert.equal(echoed.length, sent.length);
    for (const [i, bytes] of sent.entries()) assert.ok(Buffer.from(echoed[i]!).equals(bytes), `message ${i}`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(arena.blocksInUse, before);
  });

  it("fails with a clear error when the certificate is not trusted", async () => {
    const [upgrade, received] = echoOnce(`wss://localhost:${server.port}/`);
    await assert.rejects(upgrade, (e: unknown) => {
      assert.equal((e as { code: string }).code, "WS_ERR_CONNECTION_FAILED");
      assert.match((e as Error).message, /TLS certificate not accepted/);
      return true;
    });
    await assert.rejects(received);
  });

  it("fails on a hostname mismatch", async () => {
    const [upgrade] = echoOnce(`wss://127.0.0.1:${server.port}/`, {
      tls: { ca: server.cert, servername: "other.example" },
    });
    await assert.rejects(upgrade, /TLS certificate not accepted|altname|does not match/i);
  });

  it("connects with rejectUnauthorized: false", async () => {
    const [upgrade, received] = echoOnce(`wss://localhost:${server.port}/`, {
      tls: { rejectUnauthorized: false },
    });
    assert.equal((await upgrade).response.status, 101);
    await received;
  });
});

describe("AbortSignal", () => {
  it("aborts the handshake (a server that never answers)", async () => {
    const silent = await startRawServer(() => {});
    try {
      const snapshot = resourceSnapshot();
      const controller = new AbortController();
      const [upgrade, received] = echoOnce(silent.url(), { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("user gave up")), 30);
      await assert.rejects(upgrade, { code: "WS_ERR_ABORTED" });
      await assert.rejects(received, { code: "WS_ERR_ABORTED" });
      await snapshot.check();
    } finally {
      await silent.close();
    }
  });

  it("an already aborted signal fails at once", async () => {
    const [upgrade] = echoOnce("ws://127.0.0.1:9/", { signal: AbortSignal.abort() });
    await assert.rejects(upgrade, { code: "WS_ERR_ABORTED" });
  });

  it("aborts an open connection", async () => {
    const server = await startWsServer();
    try {
      const snapshot = resourceSnapshot();
      const controller = new AbortController();
      const [upgrade, received] = http.singleWebSocketRequest(
        WebSocketRequest.create(server.url()),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.left),
        { signal: controller.signal },
      );
      await upgrade;
      controller.abort();
      await assert.rejects(received, { code: "WS_ERR_ABORTED" });
      await snapshot.check();
    } finally {
      await server.close();
    }
  });

  it("the handshake times out on a silent server (connectingTimeout)", async () => {
    const silent = await startRawServer(() => {});
    try {
      const [upgrade] = echoOnce(silent.url(), { settings: { connectingTimeout: 50 } });
      await assert.rejects(upgrade, { code: "WS_ERR_HANDSHAKE_TIMEOUT" });
    } finally {
      await silent.close();
    }
  });
});
