import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  computeAcceptKey,
  HttpHeaders,
  type ResponseHead,
  type UpgradeOffer,
  validateUpgradeResponse,
} from "../../src/handshake/index.js";

const key = "dGhlIHNhbXBsZSBub25jZQ==";
const offer: UpgradeOffer = { key, subprotocols: ["chat", "v2.chat"], extensions: ["permessage-deflate"] };
const good: [string, string][] = [
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Accept", computeAcceptKey(key)],
];

function head(headers: [string, string][], status = 101): ResponseHead {
  return {
    httpVersion: "1.1",
    status,
    statusText: status === 101 ? "Switching Protocols" : "Not Found",
    headers: new HttpHeaders(headers),
  };
}
function without(name: string): [string, string][] {
  return good.filter(([n]) => n !== name);
}
function replaced(name: string, value: string): [string, string][] {
  return [...without(name), [name, value]];
}

describe("4.1 Client Requirements: validating the response", () => {
  it("accepts a valid response, case-insensitively, with list values", () => {
    const r = validateUpgradeResponse(
      head([
        ["upgrade", "WebSocket"],
        ["connection", "keep-alive, UPGRADE"],
        ["sec-websocket-accept", computeAcceptKey(key)],
        ["Sec-WebSocket-Protocol", "v2.chat"],
        [
          "Sec-WebSocket-Extensions",
          "permessage-deflate; client_max_window_bits=10; server_no_context_takeover",
        ],
      ]),
      offer,
    );
    assert.ok(r.valid);
    assert.equal(r.subprotocol, "v2.chat");
    assert.equal(r.extensions[0]?.name, "permessage-deflate");
    assert.equal(r.extensions[0]?.params.get("client_max_window_bits"), "10");
    assert.equal(r.extensions[0]?.params.get("server_no_context_takeover"), true);
  });

  it("no subprotocol in the answer is fine even if some were offered", () => {
    const r = validateUpgradeResponse(head(good), offer);
    assert.ok(r.valid && r.subprotocol === undefined);
  });

  const failures: [string, ResponseHead, RegExp][] = [
    ["status is not 101", head(good, 404), /expected status 101.*got 404 Not Found/],
    ["no Upgrade", head(without("Upgrade")), /Upgrade header must contain "websocket", got none/],
    ["wrong Upgrade", head(replaced("Upgrade", "h2c")), /Upgrade header .*"h2c"/],
    ["no Connection", head(without("Connection")), /Connection header must contain "Upgrade", got none/],
    [
      "Connection without upgrade token",
      head(replaced("Connection", "keep-alive, upgraded")),
      /Connection header/,
    ],
    ["no accept", head(without("Sec-WebSocket-Accept")), /Sec-WebSocket-Accept must be .*got none/],
    ["wrong accept", head(replaced("Sec-WebSocket-Accept", "AAAA")), /Sec-WebSocket-Accept must be .*"AAAA"/],
    [
      "unoffered subprotocol",
      head([...good, ["Sec-WebSocket-Protocol", "mqtt"]]),
      /subprotocol "mqtt", which was not offered/,
    ],
    [
      "several subprotocols",
      head([...good, ["Sec-WebSocket-Protocol", "chat, v2.chat"]]),
      /several subprotocols/,
    ],
    [
      "unoffered extension",
      head([...good, ["Sec-WebSocket-Extensions", "x-webkit-deflate-frame"]]),
      /extension x-webkit-deflate-frame, which was not offered/,
    ],
    [
      "malformed extensions",
      head([...good, ["Sec-WebSocket-Extensions", 'permessage-deflate; a="b']]),
      /malformed Sec-WebSocket-Extensions/,
    ],
  ];
  for (const [name, response, cause] of failures) {
    it(`fails when ${name}, with its own cause`, () => {
      const r = validateUpgradeResponse(response, offer);
      assert.ok(!r.valid);
      assert.match(r.cause, cause);
    });
  }
});
