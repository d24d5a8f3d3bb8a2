import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeUtf8, Utf8ChunkDecoder } from "../../src/codec/index.js";
import { chunkings, cutAt } from "../helpers/chunkings.js";
import { validUtf8 } from "../vectors/utf8-cases.js";

const encoder = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeChunks(chunks: readonly Uint8Array[]): string {
  const d = new Utf8ChunkDecoder();
  let text = "";
  for (const chunk of chunks) text += d.decode(chunk);
  return text + d.end();
}

describe("UTF-8 decoding of received text", () => {
  it("keeps a U+FEFF at the start: it is part of the message", () => {
    assert.equal(decodeUtf8(encoder.encode("\uFEFFhello")), "\uFEFFhello");
    assert.equal(decodeUtf8(encoder.encode("\uFEFF")), "\uFEFF");
    assert.equal(decodeUtf8(encoder.encode("\uFEFF\uFEFFx")), "\uFEFF\uFEFFx");
    assert.equal(decodeChunks(cutAt(encoder.encode("\uFEFF\uFEFFx"), [1, 3, 4])), "\uFEFF\uFEFFx");
  });

  for (const [name, bytes] of validUtf8) {
    it(`decodes ${name} the same at every split`, () => {
      const expected = strict.decode(bytes);
      for (const chunks of chunkings(bytes)) assert.equal(decodeChunks(chunks), expected);
    });
  }

  it("any text cut anywhere decodes to itself", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 60 }),
        fc.uniqueArray(fc.nat({ max: 240 }), { maxLength: 8 }),
        (text, cuts) => {
          const bytes = encoder.encode(text);
          const chunks = cutAt(
            bytes,
            cuts.sort((a, b) => a - b),
          );
          assert.equal(decodeChunks(chunks), strict.decode(bytes));
        },
      ),
    );
  });

  it("keeps its own copy of a cut code point: the chunk's memory may be reused after the call", () => {
    const memory = Buffer.from("a😀"); // a Buffer, whose slice() is a view, not a copy
    const d = new Utf8ChunkDecoder();
    assert.equal(d.decode(memory.subarray(0, 3)), "a");
    memory.fill(0x41, 0, 3); // the transport reuses the buffer
    assert.equal(d.decode(memory.subarray(3)), "😀");
    assert.equal(d.end(), "");
  });

  it("a code point still open at the end decodes to U+FFFD (the protocol has failed such a message)", () => {
    const d = new Utf8ChunkDecoder();
    assert.equal(d.decode(Uint8Array.of(0x61, 0xe2, 0x82)), "a");
    assert.equal(d.end(), "\uFFFD");
    assert.equal(d.decode(Uint8Array.of(0x62)), "b", "reusable after end()");
  });

  it("never decodes in stream mode, which costs Node's TextDecoder its fast path for good", () => {
    const original = TextDecoder.prototype.decode;
    const options: unknown[] = [];
    type Decode = InstanceType<typeof TextDecoder>["decode"];
    TextDecoder.prototype.decode = function (
      this: InstanceType<typeof TextDecoder>,
      input?: Parameters<Decode>[0],
      opts?: Parameters<Decode>[1],
    ) {
      options.push(opts);
      return original.call(this, input, opts);
    };
    try {
      decodeChunks(cutAt(encoder.encode("héllo wörld 😀"), [2, 3, 9, 14, 15]));
      decodeUtf8(encoder.encode("whole"));
    } finally {
      TextDecoder.prototype.decode = original;
    }
    assert.ok(options.length > 0, "the decoder was observed");
    assert.ok(options.every((o) => (o as { stream?: boolean } | undefined)?.stream !== true));
  });
});
