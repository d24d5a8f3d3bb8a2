import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HttpHeaders, ResponseBodyReader, type ResponseHead } from "../../src/handshake/index.js";
import { concat, utf8 } from "../helpers/bits.js";
import { chunkings, cutAt } from "../helpers/chunkings.js";

function head(headers: [string, string][], status = 401): ResponseHead {
  return { httpVersion: "1.1", status, statusText: "", headers: new HttpHeaders(headers) };
}
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("bounded response body", () => {
  it("Content-Length", () => {
    for (const chunks of chunkings(utf8("go away!extra"))) {
      const reader = new ResponseBodyReader(head([["Content-Length", "8"]]));
      for (const c of chunks) if (reader.push(c)) break;
      assert.ok(reader.complete);
      assert.equal(text(reader.body()), "go away!");
    }
  });

  it("chunked, with extensions and trailers, at every chunking", () => {
    const wire = utf8("4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");
    for (const chunks of chunkings(wire)) {
      const reader = new ResponseBodyReader(head([["Transfer-Encoding", "chunked"]]));
      let done = false;
      for (const c of chunks) done = reader.push(c);
      assert.ok(done);
      assert.equal(text(reader.body()), "Wikipedia");
    }
  });

  it("keeps its own copy of the body: the caller's chunk may be reused (a Buffer's slice() is a view)", () => {
    const reader = new ResponseBodyReader(head([]));
    const chunk = Buffer.from("abc");
    reader.push(chunk);
    chunk.fill(0x78);
    reader.end();
    assert.equal(text(reader.body()), "abc");
  });

  it("until close", () => {
    const reader = new ResponseBodyReader(head([]));
    assert.equal(reader.push(utf8("abc")), false);
    reader.end();
    assert.equal(text(reader.body()), "abc");
    assert.ok(!reader.truncated);
  });

  it("keeps at most maxBodySize and says it cut", () => {
    const reader = new ResponseBodyReader(head([["Content-Length", "100000"]]), 10);
    assert.equal(reader.push(new Uint8Array(50)), true);
    assert.equal(reader.body().length, 10);
    assert.ok(reader.truncated);
  });

  it("no body for 204 and 304", () => {
    assert.ok(new ResponseBodyReader(head([], 204)).complete);
    assert.ok(new ResponseBodyReader(head([["Content-Length", "0"]], 404)).complete);
  });

  it("property: a chunked body (any chunk sizes, hex case, extensions, trailers) or a Content-Length one, cut anywhere, reads as sent, cut at maxBodySize", () => {
    const body = fc.uint8Array({ maxLength: 300 });
    fc.assert(
      fc.property(
        body,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom("", ";a=b", ";ext"),
        fc.array(fc.constantFrom("X-Trailer: 1", "Digest: abc"), { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(8, 100, 65536),
        fc.boolean(),
        (data, sizes, upper, extension, trailers, cuts, maxBodySize, chunked) => {
          let wire: Uint8Array;
          if (chunked) {
            const parts: Uint8Array[] = [];
            for (let at = 0, i = 0; at < data.length; i++) {
              const piece = data.subarray(at, at + sizes[i % sizes.length]!);
              const size = piece.length.toString(16);
              parts.push(utf8(`${upper ? size.toUpperCase() : size}${extension}\r\n`), piece, utf8("\r\n"));
              at += piece.length;
            }
            parts.push(utf8(`0\r\n${trailers.map((t) => `${t}\r\n`).join("")}\r\n`));
            wire = concat(parts);
          } else {
            wire = data;
          }
          const reader = new ResponseBodyReader(
            head([chunked ? ["Transfer-Encoding", "chunked"] : ["Content-Length", String(data.length)]]),
            maxBodySize,
          );
          const at = [...cuts.map((c) => c % (wire.length + 1))].sort((a, b) => a - b);
          let done = data.length === 0 && !chunked;
          for (const c of cutAt(concat([wire, utf8("after")]), at)) if (!done) done = reader.push(c);
          assert.ok(done && reader.complete);
          assert.deepEqual(reader.body(), data.subarray(0, maxBodySize));
          assert.equal(reader.truncated, data.length > maxBodySize);
        },
      ),
      { numRuns: 500 },
    );
  });
});
