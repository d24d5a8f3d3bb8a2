import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isValidUtf8, Utf8Validator, utf8BoundaryLength } from "../../src/codec/index.js";
import { chunkings } from "../helpers/chunkings.js";
import { invalidUtf8, validUtf8 } from "../vectors/utf8-cases.js";

/** Feeds chunks; returns the absolute index of the first bad byte, input length if only the end fails, or -1. */
function firstInvalid(chunks: readonly Uint8Array[]): number {
  const v = new Utf8Validator();
  let base = 0;
  for (const c of chunks) {
    const bad = v.feed(c);
    if (bad !== -1) return base + bad;
    base += c.length;
  }
  return v.end() ? -1 : base;
}

describe("8.1 Handling Errors in UTF-8-Encoded Data", () => {
  for (const [name, bytes] of validUtf8) {
    it(`accepts ${name} at every split`, () => {
      for (const chunks of chunkings(bytes)) assert.equal(firstInvalid(chunks), -1);
    });
  }
  for (const [name, bytes, at] of invalidUtf8) {
    it(`rejects ${name} at byte ${at}, at every split`, () => {
      for (const chunks of chunkings(bytes)) assert.equal(firstInvalid(chunks), at);
    });
  }

  it("agrees with a strict TextDecoder on random bytes", () => {
    const strict = new TextDecoder("utf-8", { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let expected = true;
        try {
          strict.decode(bytes);
        } catch {
          expected = false;
        }
        assert.equal(isValidUtf8(bytes), expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts any encoded string, split anywhere", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), fc.nat(), (text, cut) => {
        const bytes = new TextEncoder().encode(text);
        const at = cut % (bytes.length + 1);
        assert.equal(firstInvalid([bytes.subarray(0, at), bytes.subarray(at)]), -1);
      }),
    );
  });
});

describe("utf8BoundaryLength", () => {
  it("never splits a code point", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), fc.nat(), (text, cut) => {
        const bytes = new TextEncoder().encode(text);
        const prefix = bytes.subarray(0, cut % (bytes.length + 1));
        const n = utf8BoundaryLength(prefix);
        assert.ok(isValidUtf8(prefix.subarray(0, n)));
        assert.ok(prefix.length - n <= 3);
      }),
    );
  });
});

describe("bulk accelerator", () => {
  it("gives the same first-bad index as the JS state machine, for any input and split", async () => {
    const { isUtf8 } = await import("node:buffer");
    let bulkCalls = 0;
    const bulk = (b: Uint8Array) => {
      bulkCalls++;
      return isUtf8(b);
    };
    const pieces = fc.oneof(
      fc.string({ unit: "grapheme", minLength: 20, maxLength: 80 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 6 }), fc.nat(), (parts, cut) => {
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        const split = cut % (bytes.length + 1);
        const chunks = [bytes.subarray(0, split), bytes.subarray(split)];
        const plain = new Utf8Validator();
        const fast = new Utf8Validator(bulk);
        const run = (v: Utf8Validator) => {
          let base = 0;
          for (const c of chunks) {
            const bad = v.feed(c);
            if (bad !== -1) return base + bad;
            base += c.length;
          }
          return v.end() ? -1 : base;
        };
        assert.equal(run(fast), run(plain));
      }),
      { numRuns: 1000 },
    );
    assert.ok(bulkCalls > 0, "the accelerator was used");
  });
});

describe("validateWhole", () => {
  it("agrees with a strict TextDecoder, with and without the accelerator, whatever came before", async () => {
    const { isUtf8 } = await import("node:buffer");
    const strict = new TextDecoder("utf-8", { fatal: true });
    const plain = new Utf8Validator();
    const fast = new Utf8Validator(isUtf8);
    const texts = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 100 }),
    );
    fc.assert(
      fc.property(texts, texts, (before, bytes) => {
        let expected = true;
        try {
          strict.decode(bytes);
        } catch {
          expected = false;
        }
        for (const v of [plain, fast]) {
          // Whatever state an earlier message left (an open sequence, a failure), it starts afresh.
          v.feed(before);
          assert.equal(v.validateWhole(bytes), expected);
          assert.equal(v.incomplete, false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("uses the accelerator once for a long message, and rejects one ending inside a code point", () => {
    let calls = 0;
    const v = new Utf8Validator((b) => {
      calls++;
      return new Uint8Array(b).every((x) => x < 0x80) || isValidUtf8(b);
    });
    const long = new TextEncoder().encode("€".repeat(40));
    assert.equal(v.validateWhole(long), true);
    assert.equal(calls, 1);
    assert.equal(v.validateWhole(long.subarray(0, long.length - 1)), false);
  });
});
