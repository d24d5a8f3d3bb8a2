import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/codec/index.js";
import {
  HttpHeaders,
  renderRejection,
  renderUpgradeResponse,
  validateRejection,
  validateUpgradeRequest,
} from "../../src/handshake/index.js";

const RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const valid: [string, string][] = [
  ["Host", "example.com"],
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Key", RFC_KEY],
  ["Sec-WebSocket-Version", "13"],
];

/** The request `valid` with `name` replaced by `value` (removed when undefined), plus `extra`. */
function request(
  changes: Record<string, string | undefined> = {},
  extra: [string, string][] = [],
  method = "GET",
  httpVersion = "1.1",
) {
  const headers = valid
    .filter(([name]) => !(name in changes) || changes[name] !== undefined)
    .map(([name, value]): [string, string] => [name, name in changes ? changes[name]! : value]);
  return { method, httpVersion, headers: new HttpHeaders([...headers, ...extra]) };
}

describe("the server's opening handshake (RFC 6455 §4.2)", () => {
  it("accepts a valid request: lists and case as RFC 9110 allows, subprotocols in order", () => {
    const ok = validateUpgradeRequest(
      request({ Upgrade: "WebSocket", Connection: "keep-alive, Upgrade" }, [
        ["Sec-WebSocket-Protocol", "chat.v2, chat"],
        ["Sec-WebSocket-Protocol", "json"],
      ]),
    );
    assert.deepEqual(ok, { valid: true, key: RFC_KEY, subprotocols: ["chat.v2", "chat", "json"] });
  });

  it("refuses each broken rule alone, with its own reason and status", () => {
    const cases: [ReturnType<typeof request>, number, RegExp][] = [
      [request({}, [], "POST"), 400, /must be GET/],
      [request({}, [], "GET", "1.0"), 400, /HTTP\/1\.1 or later/],
      [request({ Upgrade: undefined }), 400, /Upgrade header/],
      [request({ Upgrade: "h2c" }), 400, /Upgrade header/],
      [request({ Connection: "keep-alive" }), 400, /Connection header/],
      [request({ "Sec-WebSocket-Version": "8" }), 426, /only 13/],
      [request({ "Sec-WebSocket-Version": undefined }), 426, /missing/],
      [request({ "Sec-WebSocket-Key": "c2hvcnQ=" }), 400, /16 bytes/],
      [request({}, [["Sec-WebSocket-Key", RFC_KEY]]), 400, /16 bytes/],
      [request({}, [["Sec-WebSocket-Protocol", "a b"]]), 400, /Sec-WebSocket-Protocol/],
    ];
    for (const [req, status, reason] of cases) {
      const result = validateUpgradeRequest(req);
      assert.ok(!result.valid, reason.source);
      assert.equal(result.status, status, reason.source);
      assert.match(result.reason, reason);
      assert.deepEqual(result.headers, status === 426 ? [["Sec-WebSocket-Version", "13"]] : []);
    }
  });

  it("renders the 101 with the accept key of RFC 6455 §1.3, the chosen subprotocol and extra headers", () => {
    assert.equal(
      renderUpgradeResponse(RFC_KEY, "chat", [["Sec-WebSocket-Extensions", "permessage-deflate"]]),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    );
  });

  it("renders a rejection as bytes: the head one byte per character, the body in UTF-8, counted by Content-Length", () => {
    const bytes = renderRejection(403, "nicht für dich", [["X-Why", "café"]], "nicht für dich\n");
    const headEnd = Buffer.from(bytes).indexOf("\r\n\r\n") + 4;
    assert.ok(headEnd > 4);
    const head = Buffer.from(bytes.subarray(0, headEnd)).toString("latin1");
    const body = bytes.subarray(headEnd);
    assert.match(head, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(head, /\r\nContent-Length: 16\r\n/);
    assert.match(head, /\r\nX-Why: café\r\n\r\n$/); // 0xE9, one byte, as the client reads a head
    assert.equal(body.length, 16);
    assert.equal(new TextDecoder().decode(body), "nicht für dich\n");
  });

  it("never drops or writes a header that cannot be sent: it throws", () => {
    for (const render of [
      () => renderUpgradeResponse(RFC_KEY, undefined, [["X-A", "1\r\nInjected: 1"]]),
      () => renderRejection(400, "x", [["Bad Name", "1"]]),
    ]) {
      assert.throws(
        render,
        (e: unknown) => e instanceof InvalidArgumentError && e.code === "WS_ERR_INVALID_HEADER",
      );
    }
    assert.throws(() => validateRejection(302, [["Content-Length", "1"]]), InvalidArgumentError);
    assert.doesNotThrow(() => validateRejection(302, [["Location", "https://example.com/ws"]]));
  });
});
