import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  headText,
  parseRequestHead,
  parseWebSocketUri,
  renderUpgradeRequest,
  requestHeadEnd,
} from "../../src/handshake/index.js";

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

describe("the request head as a server reads it (RFC 9112 §3, §5)", () => {
  it("finds the end of the head, and nothing before it is complete", () => {
    const bytes = new TextEncoder().encode(head(["GET / HTTP/1.1", "Host: x"]));
    const withFrame = new Uint8Array([...bytes, 0x81, 0x02, 0x68, 0x69]);
    assert.equal(requestHeadEnd(withFrame), bytes.length);
    for (let n = 0; n < bytes.length; n++)
      assert.equal(requestHeadEnd(bytes.subarray(0, n)), -1, `${n} bytes`);
  });

  it("reads a head's bytes one character per byte, 0x80-0x9F included (not windows-1252)", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = headText(bytes);
    assert.equal(text.length, 256);
    for (let i = 0; i < 256; i++) assert.equal(text.charCodeAt(i), i);
    assert.equal(headText(new Uint8Array(20_000).fill(0x41)).length, 20_000);
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
    const text = headText(
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
