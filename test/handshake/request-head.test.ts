import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  parseRequestHead,
  parseWebSocketUri,
  renderUpgradeRequest,
  requestHeadEnd,
} from "../../src/handshake/index.js";

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

describe("the request head as a server reads it (RFC 9112 §3, §5)", () => {
  it("finds the end of the head, and nothing before it is complete", () => {
    const text = head(["GET / HTTP/1.1", "Host: x"]);
    assert.equal(requestHeadEnd(`${text}\x81\x02hi`), text.length);
    for (let n = 0; n < text.length; n++) assert.equal(requestHeadEnd(text.slice(0, n)), -1, `${n} bytes`);
  });

  it("reads the request line and the headers in order, values trimmed, names as sent", () => {
    assert.deepEqual(
      parseRequestHead(head(["GET /chat?room=1 HTTP/1.1", "Host: example.com", "X-A:  b c  ", "x-a: d"])),
      {
        method: "GET",
        target: "/chat?room=1",
        httpVersion: "1.1",
        headers: [
          ["Host", "example.com"],
          ["X-A", "b c"],
          ["x-a", "d"],
        ],
      },
    );
  });

  it("reads what wsflow's own client renders", () => {
    const uri = parseWebSocketUri("ws://localhost:8080/events?x=1");
    const text = new TextDecoder("latin1").decode(
      renderUpgradeRequest({
        uri,
        key: "dGhlIHNhbXBsZSBub25jZQ==",
        subprotocols: ["a", "b"],
        headers: [["X-Trace", "1"]],
      }),
    );
    const parsed = parseRequestHead(text);
    assert.ok(!("error" in parsed));
    assert.equal(parsed.target, "/events?x=1");
    assert.deepEqual(
      parsed.headers.find(([n]) => n.toLowerCase() === "sec-websocket-protocol"),
      ["Sec-WebSocket-Protocol", "a, b"],
    );
  });

  it("refuses a malformed head, saying why", () => {
    const cases: [string[], RegExp][] = [
      [["GET /"], /malformed request line/],
      [["GET  / HTTP/1.1"], /malformed request line/],
      [["GET / HTTP/1.1 extra"], /malformed request line/],
      [["G(T / HTTP/1.1"], /malformed request line/],
      [["GET / HTTPS/1.1"], /malformed request line/],
      [["GET / HTTP/1.1", "NoColon"], /malformed header line/],
      [["GET / HTTP/1.1", "Bad Name: x"], /malformed header line/],
      [["GET / HTTP/1.1", ": empty name"], /malformed header line/],
      [["GET / HTTP/1.1", "A: b", " folded"], /obsolete line folding/],
      [["GET / HTTP/1.1", "A: b\x00c"], /control character in header A/],
    ];
    for (const [lines, reason] of cases) {
      const parsed = parseRequestHead(head(lines));
      assert.ok("error" in parsed, JSON.stringify(lines));
      assert.match(parsed.error, reason, JSON.stringify(lines));
    }
  });
});

describe("the request head parser on any input (fast-check)", () => {
  it("never throws: a head or the reason it is malformed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const parsed = parseRequestHead(`${text}\r\n\r\n`);
        if ("error" in parsed) assert.equal(typeof parsed.error, "string");
        else assert.ok(parsed.method.length > 0 && parsed.target.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});
