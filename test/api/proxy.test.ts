import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isTcpTransport } from "../../src/api/client-transport.js";
import {
  BinaryMessage,
  ClientTransport,
  Flow,
  frameArena,
  Http,
  InvalidArgumentError,
  ProxyTunnelError,
  ValidUpgrade,
} from "../../src/index.js";
import { startConnectProxy } from "../helpers/connect-proxy.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { exchangeStrict, sendTexts, textsOf } from "../helpers/text-exchange.js";
import { startWsServer, type TestServer, wssEchoFixture } from "../helpers/ws-server.js";

const echoThrough = (http: Http, url: string, options: Parameters<Http["singleWebSocketRequest"]>[2] = {}) =>
  sendTexts(http, url, ["through", "the proxy"], options);
const texts = textsOf;

describe("ClientTransport.httpsProxy", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer();
  });
  after(() => server.close());

  it("tunnels ws: through the proxy's CONNECT, and leaves nothing behind", async () => {
    const proxy = await startConnectProxy();
    try {
      const snapshot = resourceSnapshot();
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const [upgrade, received] = echoThrough(http, server.url("/chat"));
      assert.ok((await upgrade) instanceof ValidUpgrade);
      assert.deepEqual(texts(await received), ["through", "the proxy"]);
      assert.equal(proxy.requests.length, 1);
      assert.equal(
        proxy.requests[0],
        `CONNECT 127.0.0.1:${server.port} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}`,
      );
      assert.equal(server.requests.at(-1)?.url, "/chat");
      await snapshot.check();
    } finally {
      await proxy.close();
    }
  });

  it("large frames go through the tunnel from the frame arena, whose blocks come back", async () => {
    // The proxy transport is wsflow's TCP transport, which hands written frames back: the arena is lent.
    assert.ok(isTcpTransport(ClientTransport.httpsProxy("127.0.0.1:3128")));
    assert.ok(!isTcpTransport({ connectTo: () => Flow.create<Uint8Array>() }));
    const proxy = await startConnectProxy();
    try {
      const arena = frameArena()!;
      const before = arena.blocksInUse;
      const sent = [70_000, 1_000_000].map((n) =>
        Uint8Array.from({ length: n }, (_, i) => (i * 13 + n) & 0xff),
      );
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const { received } = await exchangeStrict(
        http,
        server.url(),
        sent.map((b) => BinaryMessage.create(b)),
      );
      const echoed = received.map((m) => m.asBinaryMessage().getStrictData());
      for (const [i, bytes] of sent.entries())
        assert.ok(Buffer.from(echoed[i]!).equals(bytes), `message ${i}`);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(arena.blocksInUse, before);
    } finally {
      await proxy.close();
    }
  });

  it("sends credentials from the URL (percent-decoded) or the options as Proxy-Authorization", async () => {
    const expected = `Basic ${Buffer.from("us er:p@ss:word").toString("base64")}`;
    const proxy = await startConnectProxy({ requireAuthorization: expected });
    try {
      const fromUrl = ClientTransport.httpsProxy(`http://us%20er:p%40ss%3Aword@127.0.0.1:${proxy.port}`);
      const fromOptions = ClientTransport.httpsProxy(
        { host: "127.0.0.1", port: proxy.port },
        { credentials: { username: "us er", password: "p@ss:word" }, headers: { "X-Trace": "1" } },
      );
      for (const transport of [fromUrl, fromOptions]) {
        const [upgrade, received] = echoThrough(Http.get(), server.url(), { settings: { transport } });
        assert.equal((await upgrade).response.status, 101);
        assert.deepEqual(texts(await received), ["through", "the proxy"]);
      }
      assert.match(proxy.requests[1]!, /\r\nX-Trace: 1/);
    } finally {
      await proxy.close();
    }
  });

  it("a 407 fails the connection with a ProxyTunnelError carrying the status", async () => {
    const proxy = await startConnectProxy({ requireAuthorization: "Basic secret" });
    try {
      const snapshot = resourceSnapshot();
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const [upgrade, received] = echoThrough(http, server.url());
      await assert.rejects(upgrade, (e: unknown) => {
        assert.ok(e instanceof ProxyTunnelError);
        assert.equal(e.code, "WS_ERR_PROXY_TUNNEL");
        assert.equal(e.status, 407);
        assert.equal(e.host, "127.0.0.1");
        assert.equal(e.port, server.port);
        assert.equal(e.proxyPort, proxy.port);
        assert.match(e.message, /the proxy 127\.0\.0\.1:\d+ answered 407 Proxy Authentication Required/);
        return true;
      });
      await assert.rejects(received, ProxyTunnelError);
      await snapshot.check();
    } finally {
      await proxy.close();
    }
  });

  it("hostile or broken proxies fail the connection with the reason, never hang or leak", async () => {
    const cases: [Parameters<typeof startConnectProxy>[0], RegExp][] = [
      [
        { answer: () => ({ bytes: "garbage\r\n\r\n" }) },
        /answered CONNECT with "garbage", not an HTTP response/,
      ],
      [{ answer: () => "close" }, /closed the connection without answering CONNECT/],
      [
        { answer: () => ({ bytes: "HTTP/1.1 200 OK\r\n", end: true }) },
        /closed the connection without answering CONNECT/,
      ],
      [
        { answer: () => ({ bytes: `HTTP/1.1 200 OK\r\nX: ${"a".repeat(20_000)}` }) },
        /head of over 16384 bytes/,
      ],
      [
        { answer: () => ({ bytes: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n" }) },
        /answered 502 Bad Gateway/,
      ],
    ];
    for (const [options, error] of cases) {
      const proxy = await startConnectProxy(options);
      try {
        const snapshot = resourceSnapshot();
        const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
        const [upgrade] = echoThrough(http, server.url());
        await assert.rejects(upgrade, (e: unknown) => {
          assert.ok(e instanceof ProxyTunnelError, String(e));
          assert.match(e.message, error);
          return true;
        });
        await snapshot.check();
      } finally {
        await proxy.close();
      }
    }
  });

  it("a silent proxy times out (connectingTimeout), and an abort stops the wait", async () => {
    const proxy = await startConnectProxy({ answer: () => "silent" });
    try {
      const snapshot = resourceSnapshot();
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url), connectingTimeout: 100 });
      const [timedOut] = echoThrough(http, server.url());
      await assert.rejects(timedOut, { code: "WS_ERR_CONNECT_TIMEOUT" });
      const controller = new AbortController();
      const [aborted] = echoThrough(
        Http.create({ transport: ClientTransport.httpsProxy(proxy.url) }),
        server.url(),
        {
          signal: controller.signal,
        },
      );
      setTimeout(() => controller.abort(), 30);
      await assert.rejects(aborted, { code: "WS_ERR_ABORTED" });
      await snapshot.check();
    } finally {
      await proxy.close();
    }
  });

  it("rejects a proxy it cannot use at once, with InvalidArgumentError", () => {
    for (const url of [
      "https://127.0.0.1:3128",
      "socks5://127.0.0.1:1080",
      "http://127.0.0.1:3128/path",
      "http://127.0.0.1:3128/?q=1",
      "http://127.0.0.1:3128#f",
      "http://%zz:p@127.0.0.1:3128",
      "http://a:b:c@[",
    ])
      assert.throws(() => ClientTransport.httpsProxy(url), InvalidArgumentError, url);
    assert.throws(
      () => ClientTransport.httpsProxy("127.0.0.1:3128", { credentials: { username: "a:b", password: "c" } }),
      InvalidArgumentError,
    );
    assert.throws(
      () => ClientTransport.httpsProxy("127.0.0.1:3128", { headers: { "X-Evil": "a\r\nHost: b" } }),
      InvalidArgumentError,
    );
    assert.throws(() => ClientTransport.httpsProxy({ host: "127.0.0.1", port: 0 }), InvalidArgumentError);
    // Without a scheme it is http://; without a port, 80.
    assert.doesNotThrow(() => ClientTransport.httpsProxy("proxy.example"));
  });
});

describe("ClientTransport.httpsProxy with wss:", () => {
  const server = wssEchoFixture();

  it("runs TLS end to end through the tunnel, verifying the server's name", async () => {
    const proxy = await startConnectProxy();
    try {
      const snapshot = resourceSnapshot();
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const [upgrade, received] = echoThrough(http, `wss://localhost:${server.port}/`, {
        tls: { ca: server.cert },
      });
      assert.equal((await upgrade).response.status, 101);
      assert.deepEqual(texts(await received), ["through", "the proxy"]);
      assert.match(proxy.requests[0]!, new RegExp(`^CONNECT localhost:${server.port} HTTP/1\\.1`));
      await snapshot.check();
    } finally {
      await proxy.close();
    }
  });

  it("an untrusted certificate behind the proxy is still refused", async () => {
    const proxy = await startConnectProxy();
    try {
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const [upgrade] = echoThrough(http, `wss://localhost:${server.port}/`);
      await assert.rejects(upgrade, /TLS certificate not accepted/);
    } finally {
      await proxy.close();
    }
  });

  it("bytes from the proxy before the TLS handshake fail the connection", async () => {
    const proxy = await startConnectProxy({ extraAfterAnswer: "junk" });
    try {
      const http = Http.create({ transport: ClientTransport.httpsProxy(proxy.url) });
      const [upgrade] = echoThrough(http, `wss://localhost:${server.port}/`, { tls: { ca: server.cert } });
      await assert.rejects(upgrade, (e: unknown) => {
        assert.ok(e instanceof ProxyTunnelError, String(e));
        assert.match(e.message, /sent 4 bytes after its answer, before the TLS handshake/);
        return true;
      });
    } finally {
      await proxy.close();
    }
  });
});
