import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  HandshakeLimitError,
  HttpResponseParser,
  MalformedResponseError,
  type ResponseParseResult,
} from "../../src/handshake/index.js";
import { concat, utf8 } from "../helpers/bits.js";
import { chunkings, cutAt } from "../helpers/chunkings.js";

const head101 =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n";

function parse(
  chunks: readonly Uint8Array[],
  parser = new HttpResponseParser(),
): { result: ResponseParseResult; rest: Uint8Array[] } {
  let result: ResponseParseResult = { kind: "incomplete" };
  const rest: Uint8Array[] = [];
  for (const c of chunks) {
    if (result.kind === "complete") {
      rest.push(c);
      continue;
    }
    result = parser.push(c);
    if (result.kind === "complete") rest.push(result.rest);
  }
  return { result, rest };
}

describe("HTTP/1.1 response head", () => {
  it("parses at every chunking and keeps the frames that followed the head", () => {
    const input = concat([utf8(head101), new Uint8Array([0x81, 0x02, 0x68, 0x69])]);
    for (const chunks of chunkings(input)) {
      const { result, rest } = parse(chunks);
      assert.equal(result.kind, "complete");
      if (result.kind !== "complete") return;
      assert.equal(result.head.status, 101);
      assert.equal(result.head.statusText, "Switching Protocols");
      assert.equal(result.head.headers.get("UPGRADE"), "websocket");
      assert.deepEqual([...concat(rest)], [0x81, 0x02, 0x68, 0x69], "no byte after the head is lost");
    }
  });

  it("accepts bare LF line ends, repeated headers and HTTP/1.0", () => {
    const { result } = parse([utf8("HTTP/1.0 404 Not Found\nX: a\nx: b\n\n")]);
    assert.ok(result.kind === "complete");
    assert.equal(result.head.httpVersion, "1.0");
    assert.equal(result.head.headers.get("x"), "a, b");
    assert.deepEqual(result.head.headers.getAll("X"), ["a", "b"]);
  });

  it("header values lose the spaces and tabs around them, whatever their length and bytes", () => {
    const long = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    const bytes = concat([
      utf8("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: \t"),
      utf8(long),
      utf8(" \t\r\nX-Empty:\t \r\nX-Short:  ab \r\nX-Latin1: "),
      Uint8Array.of(0xe9, 0x20, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c),
      utf8("\r\n\r\n"),
    ]);
    for (const chunks of chunkings(bytes)) {
      const { result } = parse(chunks);
      assert.ok(result.kind === "complete");
      const { headers } = result.head;
      assert.equal(headers.get("sec-websocket-accept"), long);
      assert.equal(headers.get("x-empty"), "");
      assert.equal(headers.get("x-short"), "ab");
      assert.equal(headers.get("x-latin1"), "\u00e9 abcdefghijkl");
    }
  });

  it("skips an informational 100 Continue, at every chunking, and keeps what follows", () => {
    const bytes = utf8(`HTTP/1.1 100 Continue\r\nX-Long-Enough: ${"v".repeat(40)}\r\n\r\n${head101}frame`);
    for (const chunks of chunkings(bytes)) {
      const { result, rest } = parse(chunks);
      assert.ok(result.kind === "complete" && result.head.status === 101);
      assert.equal(result.head.headers.get("sec-websocket-accept"), "x");
      assert.equal(result.head.headers.get("x-long-enough"), undefined);
      assert.equal(new TextDecoder().decode(concat(rest)), "frame");
    }
  });

  const malformed: [string, string][] = [
    ["garbage instead of HTTP", "SSH-2.0-OpenSSH\r\n\r\n"],
    ["bad status line", "HTTP/1.1 2000 OK\r\n\r\n"],
    ["HTTP/2 status line", "HTTP/2 101\r\n\r\n"],
    ["obs-fold", "HTTP/1.1 101 OK\r\nX: a\r\n  continued\r\n\r\n"],
    ["header without colon", "HTTP/1.1 101 OK\r\nnocolon\r\n\r\n"],
    ["space before colon", "HTTP/1.1 101 OK\r\nX : a\r\n\r\n"],
    ["bare CR", "HTTP/1.1 101 OK\r\nX: a\rb\r\n\r\n"],
  ];
  for (const [name, text] of malformed) {
    it(`rejects ${name}`, () => {
      const { result } = parse([utf8(text)]);
      assert.ok(
        result.kind === "error" && result.error instanceof MalformedResponseError,
        JSON.stringify(result),
      );
      assert.equal(result.error.code, "WS_ERR_MALFORMED_RESPONSE");
    });
  }

  it("fails garbage at the first byte, without waiting for a blank line", () => {
    assert.equal(new HttpResponseParser().push(utf8("X")).kind, "error");
  });

  it("limits: head size, header count, line length, each naming its setting", () => {
    const endless = utf8(`HTTP/1.1 101 OK\r\n${"X-Filler: aaaaaaaaaaaaaaaa\r\n".repeat(2000)}`);
    const big = new HttpResponseParser({ maxHeadSize: 4096, maxHeaderCount: 10_000 }).push(endless);
    assert.ok(big.kind === "error" && big.error instanceof HandshakeLimitError);
    assert.equal(big.error.code, "WS_ERR_HEAD_TOO_LARGE");
    assert.equal((big.error as HandshakeLimitError).setting, "maxHeadSize");

    const many = new HttpResponseParser().push(utf8(`HTTP/1.1 101 OK\r\n${"a: b\r\n".repeat(10_000)}\r\n`));
    assert.ok(many.kind === "error" && many.error.code === "WS_ERR_TOO_MANY_HEADERS");

    const long = new HttpResponseParser({ maxLineLength: 100 }).push(
      utf8(`HTTP/1.1 101 OK\r\nX: ${"a".repeat(200)}\r\n\r\n`),
    );
    assert.ok(long.kind === "error" && long.error.code === "WS_ERR_LINE_TOO_LONG");
  });

  it("property: any well-formed head (informational responses first, any header case and spacing, any value bytes), cut anywhere, parses to what was sent and keeps the rest", () => {
    const name = fc.oneof(
      fc.constantFrom(
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Accept",
        "Sec-WebSocket-Protocol",
        "Date",
        "X-Long-Header-Name",
      ),
      fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/),
    );
    // A value: visible ASCII and obs-text (read as Latin-1), spaces and tabs only inside.
    const value = fc
      .array(
        fc.oneof(
          fc.integer({ min: 0x21, max: 0x7e }),
          fc.integer({ min: 0x80, max: 0xff }),
          fc.constantFrom(0x20, 0x09),
        ),
        {
          maxLength: 40,
        },
      )
      .map((codes) => String.fromCharCode(...codes).replace(/^[ \t]+|[ \t]+$/g, ""));
    const ows = fc.constantFrom("", " ", "\t", "  \t ");
    const header = fc.record({ name, value, before: ows, after: ows, upper: fc.boolean() });
    const eol = fc.constantFrom("\r\n", "\n");
    const reason = fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/);
    const response = fc.record({
      informational: fc.array(
        fc.record({ status: fc.constantFrom(100, 102, 103), headers: fc.array(header, { maxLength: 2 }) }),
        {
          maxLength: 2,
        },
      ),
      status: fc.constantFrom(101, 200, 301, 401, 404, 500),
      reason,
      headers: fc.array(header, { maxLength: 8 }),
      eol,
      rest: fc.uint8Array({ maxLength: 20 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(response, (r) => {
        const block = (status: number, text: string, headers: (typeof r.headers)[number][]) =>
          `HTTP/1.1 ${status} ${text}${r.eol}` +
          headers
            .map((h) => `${h.upper ? h.name.toUpperCase() : h.name}:${h.before}${h.value}${h.after}${r.eol}`)
            .join("") +
          r.eol;
        const head =
          r.informational.map((i) => block(i.status, "Info", i.headers)).join("") +
          block(r.status, r.reason, r.headers);
        const bytes = concat([Uint8Array.from(head, (c) => c.charCodeAt(0)), r.rest]);
        const cuts = [...r.cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b);
        const { result, rest } = parse(cutAt(bytes, cuts));
        assert.equal(
          result.kind,
          "complete",
          JSON.stringify(result.kind === "error" ? result.error.message : result),
        );
        if (result.kind !== "complete") return;
        assert.equal(result.head.status, r.status);
        assert.equal(result.head.statusText, r.reason);
        assert.deepEqual(
          [...result.head.headers],
          r.headers.map((h) => [h.upper ? h.name.toUpperCase() : h.name, h.value]),
        );
        for (const h of r.headers) {
          const all = r.headers
            .filter((o) => o.name.toLowerCase() === h.name.toLowerCase())
            .map((o) => o.value);
          assert.equal(result.head.headers.get(h.name.toLowerCase()), all.join(", "));
        }
        assert.deepEqual(concat(rest), r.rest);
      }),
      { numRuns: 500 },
    );
  });
});
