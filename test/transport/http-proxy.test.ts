import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import { InvalidArgumentError, Keep, ProxyTunnelError, Sink, Source, Tcp } from "../../src/index.js";
import {
  checkHttpProxy,
  type HttpProxy,
  ProxyAnswer,
  ProxyAnswerReader,
  renderConnectRequest,
} from "../../src/transport/http-proxy.js";
import { startConnectProxy } from "../helpers/connect-proxy.js";
import { resourceSnapshot } from "../helpers/resources.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("the CONNECT request", () => {
  it("names the target as request target and Host, then the extra headers", () => {
    const request = renderConnectRequest("example.com", 443, {
      host: "proxy",
      port: 3128,
      headers: { "Proxy-Authorization": "Basic dTpw" },
    });
    assert.equal(
      text(request),
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
    );
  });

  it("puts an IPv6 target in brackets", () => {
    assert.match(
      text(renderConnectRequest("::1", 8080, { host: "p", port: 1 })),
      /^CONNECT \[::1\]:8080 HTTP\/1\.1\r\nHost: \[::1\]:8080\r\n/,
    );
  });

  it("rejects a proxy it could not address or headers that would inject lines", () => {
    const bad: HttpProxy[] = [
      { host: "", port: 3128 },
      { host: "proxy\r\nX: y", port: 3128 },
      { host: "proxy", port: 0 },
      { host: "proxy", port: 70_000 },
      { host: "proxy", port: 1.5 },
      { host: "proxy", port: 3128, headers: { "Bad Name": "v" } },
      { host: "proxy", port: 3128, headers: { "X-Ok": "v\r\nInjected: 1" } },
      { host: "proxy", port: 3128, headers: { Host: "elsewhere:80" } },
    ];
    for (const proxy of bad)
      assert.throws(() => checkHttpProxy(proxy), InvalidArgumentError, JSON.stringify(proxy));
    assert.throws(
      () =>
        Tcp.outgoingConnection("127.0.0.1", 1, {
          proxy: { host: "proxy", port: 3128, headers: { "a b": "c" } },
        }),
      InvalidArgumentError,
    );
  });
});

describe("the proxy's answer", () => {
  it("is read across any split, with the bytes after its head kept", () => {
    const whole = ascii("HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nserver bytes");
    for (let cut = 1; cut < whole.length; cut++) {
      const reader = new ProxyAnswerReader();
      const first = reader.push(whole.subarray(0, cut));
      const answer = first ?? reader.push(whole.subarray(cut));
      assert.ok(answer instanceof ProxyAnswer, `cut at ${cut}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.reason, "Connection established");
      assert.ok(answer.tunnelOpen);
      const rest = first === undefined ? text(answer.rest) : text(answer.rest) + text(whole.subarray(cut));
      assert.equal(rest, "server bytes", `cut at ${cut}`);
    }
  });

  it("opens the tunnel on any 2xx, HTTP/1.0 included, and not otherwise", () => {
    const statusOf = (head: string) => new ProxyAnswerReader().push(ascii(head)) as ProxyAnswer;
    assert.ok(statusOf("HTTP/1.0 200 OK\r\n\r\n").tunnelOpen);
    assert.ok(statusOf("HTTP/1.1 204\r\n\r\n").tunnelOpen);
    assert.equal(statusOf("HTTP/1.1 204\r\n\r\n").reason, "");
    for (const status of [100, 301, 407, 403, 502])
      assert.equal(statusOf(`HTTP/1.1 ${status} X\r\n\r\n`).tunnelOpen, false);
  });

  it("says why when it is not an HTTP answer, or its head is too long", () => {
    assert.match(
      String(new ProxyAnswerReader().push(ascii("SSH-2.0-OpenSSH\r\n\r\n"))),
      /not an HTTP response/,
    );
    assert.match(String(new ProxyAnswerReader().push(ascii("HTTP/2 200\r\n\r\n"))), /not an HTTP response/);
    const reader = new ProxyAnswerReader();
    assert.equal(reader.push(ascii("HTTP/1.1 200 OK\r\n")), undefined);
    let result: unknown;
    for (let i = 0; i < 20 && result === undefined; i++)
      result = reader.push(ascii(`X-Filler: ${"a".repeat(1000)}\r\n`));
    assert.match(String(result), /head of over 16384 bytes/);
  });
});

/** A TCP server on 127.0.0.1 that echoes. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("Tcp.outgoingConnection through a proxy", () => {
  it("tunnels bytes both ways, and delivers first what came with the proxy's answer", async () => {
    const target = await echoServer();
    const proxy = await startConnectProxy({ extraAfterAnswer: "early:" });
    try {
      const snapshot = resourceSnapshot();
      const [connected, received] = Source.single(ascii("ping"))
        .concat(Source.maybe<Uint8Array>())
        .viaMat(
          Tcp.outgoingConnection("127.0.0.1", target.port, {
            proxy: { host: "127.0.0.1", port: proxy.port },
          }),
          Keep.right,
        )
        .scan("", (all, chunk) => all + text(chunk))
        .takeWhile((all) => all.length < "early:ping".length, true)
        .toMat(Sink.last<string>(), Keep.both)
        .run();
      await connected;
      assert.equal(await received, "early:ping");
      assert.deepEqual(proxy.requests, [
        `CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}`,
      ]);
      await snapshot.check();
    } finally {
      await proxy.close();
      await target.close();
    }
  });

  it("a proxy that cannot be reached is named in the error", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [connected] = Source.maybe<Uint8Array>()
      .viaMat(Tcp.outgoingConnection("127.0.0.1", 9, { proxy: { host: "127.0.0.1", port } }), Keep.right)
      .toMat(Sink.ignore(), Keep.both)
      .run();
    await assert.rejects(connected, (e: unknown) => {
      assert.ok(e instanceof ProxyTunnelError);
      assert.equal(e.code, "WS_ERR_PROXY_TUNNEL");
      assert.equal(e.proxyPort, port);
      assert.equal(e.status, undefined);
      assert.match(
        e.message,
        new RegExp(
          `connection to 127\\.0\\.0\\.1:9 failed: the proxy 127\\.0\\.0\\.1:${port} could not be reached: connection refused`,
        ),
      );
      return true;
    });
  });
});
