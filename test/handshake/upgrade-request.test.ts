import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/codec/index.js";
import { parseWebSocketUri, renderUpgradeRequest } from "../../src/handshake/index.js";

const key = "dGhlIHNhbXBsZSBub25jZQ==";
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("4.1 Client Requirements: the request", () => {
  it("renders the handshake, path and query kept", () => {
    const request = text(
      renderUpgradeRequest({
        uri: parseWebSocketUri("ws://example.com/chat?room=1"),
        key,
        subprotocols: ["chat", "superchat"],
        origin: "http://example.com",
        userAgent: "wsflow/0.1",
        headers: [["Authorization", "Basic am9oYW46Y29ycmVjdA=="]],
      }),
    );
    assert.equal(
      request,
      [
        "GET /chat?room=1 HTTP/1.1",
        "Host: example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${key}`,
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Origin: http://example.com",
        "User-Agent: wsflow/0.1",
        "Authorization: Basic am9oYW46Y29ycmVjdA==",
        "",
        "",
      ].join("\r\n"),
    );
  });

  it("Host: port only when not the default, IPv6 in brackets", () => {
    assert.equal(parseWebSocketUri("ws://h/").hostHeader, "h");
    assert.equal(parseWebSocketUri("ws://h:80/").hostHeader, "h");
    assert.equal(parseWebSocketUri("ws://h:8080/").hostHeader, "h:8080");
    assert.equal(parseWebSocketUri("wss://h/").hostHeader, "h");
    assert.equal(parseWebSocketUri("wss://h:80/").hostHeader, "h:80");
    const v6 = parseWebSocketUri("ws://[::1]:9000/x");
    assert.deepEqual([v6.host, v6.port, v6.hostHeader, v6.resource], ["::1", 9000, "[::1]:9000", "/x"]);
    assert.deepEqual([parseWebSocketUri("wss://h").port, parseWebSocketUri("ws://h").resource], [443, "/"]);
  });

  it("a Host header given by the application replaces the derived one", () => {
    const request = text(
      renderUpgradeRequest({ uri: parseWebSocketUri("ws://10.0.0.1/"), key, headers: [["Host", "virtual"]] }),
    );
    assert.ok(request.includes("\r\nHost: virtual\r\n"));
    assert.equal(request.match(/Host:/g)?.length, 1);
  });

  for (const [url, why] of [
    ["http://h/", "scheme"],
    ["ftp://h/", "scheme"],
    ["ws://h/#frag", "fragment"],
    ["ws://h/#", "empty fragment"],
    ["not a url", "unparseable"],
  ]) {
    it(`refuses ${url} (${why})`, () => {
      assert.throws(
        () => parseWebSocketUri(url!),
        (e) => e instanceof InvalidArgumentError && e.code === "WS_ERR_INVALID_URL",
      );
    });
  }

  const badHeaders: [string, string, string][] = [
    ["X-A", "a\r\nInjected: 1", "WS_ERR_INVALID_HEADER"],
    ["X-A", "a\nb", "WS_ERR_INVALID_HEADER"],
    ["X-A", "a\0b", "WS_ERR_INVALID_HEADER"],
    ["Bad Name", "v", "WS_ERR_INVALID_HEADER"],
    ["X:Y", "v", "WS_ERR_INVALID_HEADER"],
    ["", "v", "WS_ERR_INVALID_HEADER"],
    ["Upgrade", "h2c", "WS_ERR_RESERVED_HEADER"],
    ["connection", "close", "WS_ERR_RESERVED_HEADER"],
    ["Sec-WebSocket-Key", "x", "WS_ERR_RESERVED_HEADER"],
    ["Sec-WebSocket-Version", "8", "WS_ERR_RESERVED_HEADER"],
  ];
  for (const [name, value, code] of badHeaders) {
    it(`refuses header ${JSON.stringify(name)}: ${JSON.stringify(value)} (${code})`, () => {
      assert.throws(
        () => renderUpgradeRequest({ uri: parseWebSocketUri("ws://h/"), key, headers: [[name, value]] }),
        (e) => e instanceof InvalidArgumentError && e.code === code,
      );
    });
  }

  it("refuses invalid or repeated subprotocols and control characters in Origin", () => {
    const uri = parseWebSocketUri("ws://h/");
    assert.throws(() => renderUpgradeRequest({ uri, key, subprotocols: ["a b"] }), InvalidArgumentError);
    assert.throws(() => renderUpgradeRequest({ uri, key, subprotocols: ["a", "a"] }), InvalidArgumentError);
    assert.throws(() => renderUpgradeRequest({ uri, key, origin: "x\r\ny" }), InvalidArgumentError);
  });
});
