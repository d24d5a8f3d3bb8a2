import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidUpgradeResponse, MalformedResponseError } from "../../src/index.js";
import { frame, startHostileServer } from "../helpers/hostile-server.js";
import { upgradeResponse } from "../helpers/raw-server.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { listen } from "./connect-helper.js";

/** Runs one case against a fresh hostile server and checks nothing is left behind. */
async function withServer(
  behaviour: Parameters<typeof startHostileServer>[0],
  test: (url: string) => Promise<void>,
) {
  const server = await startHostileServer(behaviour);
  const snapshot = resourceSnapshot();
  try {
    await test(server.url());
  } finally {
    await server.close();
  }
  await snapshot.check();
}

describe("hostile handshakes", () => {
  it("a server that never answers: handshake time-out", () =>
    withServer(
      () => {},
      async (url) => {
        const c = listen(url, { settings: { connectingTimeout: 100 } });
        await assert.rejects(c.upgrade, { code: "WS_ERR_HANDSHAKE_TIMEOUT" });
        await assert.rejects(c.done, { code: "WS_ERR_HANDSHAKE_TIMEOUT" });
      },
    ));

  it("a server answering one byte at a time works", () =>
    withServer(
      (socket, request) => {
        const bytes = Buffer.concat([
          Buffer.from(upgradeResponse(request.key)),
          frame(1, "slow but fine"),
          frame(8, Buffer.from([3, 232])),
        ]);
        let i = 0;
        const drip = () => {
          if (socket.destroyed) return;
          if (i < bytes.length) {
            socket.write(bytes.subarray(i, ++i));
            setImmediate(drip);
          }
        };
        drip();
      },
      async (url) => {
        const c = listen(url);
        assert.equal((await c.upgrade).response.status, 101);
        await c.done;
        assert.deepEqual(c.messages, ["slow but fine"]);
      },
    ));

  it("headers forever: the head-size limit, naming the setting", () =>
    withServer(
      (socket) => {
        socket.write("HTTP/1.1 101 Switching Protocols\r\n");
        const timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          socket.write(`X-Filler: ${"a".repeat(4000)}\r\n`); // long lines: the size limit comes before the count
        }, 1);
        socket.on("close", () => clearInterval(timer));
      },
      async (url) => {
        const c = listen(url);
        await assert.rejects(c.upgrade, (e: unknown) => {
          assert.equal((e as { code: string }).code, "WS_ERR_HEAD_TOO_LARGE");
          assert.match((e as Error).message, /maxHeadSize/);
          return true;
        });
      },
    ));

  it("10,000 headers: the header-count limit", () =>
    withServer(
      (socket) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\n${"a: b\r\n".repeat(10_000)}\r\n`);
      },
      async (url) => {
        await assert.rejects(listen(url).upgrade, { code: "WS_ERR_TOO_MANY_HEADERS" });
      },
    ));

  const invalid101: [string, (key: string) => string, RegExp][] = [
    [
      "no Upgrade header",
      (key) => upgradeResponse(key).replace("Upgrade: websocket\r\n", ""),
      /Upgrade header/,
    ],
    [
      "a wrong Sec-WebSocket-Accept",
      () => upgradeResponse("d3Jvbmcga2V5IGhlcmUhIQ=="),
      /Sec-WebSocket-Accept must be/,
    ],
    [
      "an unoffered subprotocol",
      (key) => upgradeResponse(key, "Sec-WebSocket-Protocol: mqtt\r\n"),
      /subprotocol "mqtt"/,
    ],
    [
      "an unoffered extension",
      (key) => upgradeResponse(key, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
      /extension permessage-deflate/,
    ],
  ];
  for (const [name, response, cause] of invalid101) {
    it(`a 101 with ${name} is an InvalidUpgradeResponse naming the cause`, () =>
      withServer(
        (socket, request) => socket.write(response(request.key)),
        async (url) => {
          const c = listen(url);
          const u = await c.upgrade;
          assert.ok(u instanceof InvalidUpgradeResponse);
          assert.match(u.cause, cause);
          await assert.rejects(c.done, { code: "WS_ERR_INVALID_UPGRADE" });
        },
      ));
  }

  it("frames in the same packet as the 101 are not lost", () =>
    withServer(
      (socket, request) => {
        socket.write(
          Buffer.concat([
            Buffer.from(upgradeResponse(request.key)),
            frame(1, "one"),
            frame(1, "two"),
            frame(8, Buffer.from([3, 232])),
          ]),
        );
      },
      async (url) => {
        const c = listen(url);
        await c.done;
        assert.deepEqual(c.messages, ["one", "two"]);
      },
    ));

  it("3xx, 4xx and 5xx responses keep a bounded body", () =>
    withServer(
      (socket, request) => {
        if (request.head.startsWith("GET /redirect")) {
          socket.end("HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\nContent-Length: 5\r\n\r\nmoved");
        } else {
          const body = "x".repeat(100_000);
          socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }
      },
      async (url) => {
        const redirect = await listen(url.replace(/\/$/, "/redirect")).upgrade;
        assert.ok(redirect instanceof InvalidUpgradeResponse);
        assert.equal(redirect.response.status, 302);
        assert.equal(redirect.response.headers.get("location"), "ws://elsewhere/");
        assert.equal(new TextDecoder().decode(redirect.response.body), "moved");
        const big = await listen(url).upgrade;
        assert.equal(big.response.status, 500);
        assert.equal(big.response.body.length, 64 * 1024, "bounded by parsing.maxBodySize");
        assert.equal(big.response.bodyTruncated, true);
      },
    ));

  it("garbage instead of HTTP", () =>
    withServer(
      (socket) => socket.write("SSH-2.0-OpenSSH_9.2\r\n"),
      async (url) => {
        const c = listen(url);
        await assert.rejects(c.upgrade, MalformedResponseError);
        await assert.rejects(c.done);
      },
    ));
});
