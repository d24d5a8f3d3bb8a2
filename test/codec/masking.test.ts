import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  FixedMaskKeySource,
  maskInPlace,
  maskInto,
  packMaskKey,
  RandomMaskKeySource,
  rotateMaskKey,
  SIMD_MIN,
} from "../../src/codec/index.js";
import { hex, toHex } from "../helpers/bits.js";

/** The RFC's definition, byte by byte: j = i MOD 4; out[i] = in[i] XOR key[j]. */
function referenceMask(data: Uint8Array, keyBytes: readonly number[], offset = 0): Uint8Array {
  return data.map((b, i) => b ^ keyBytes[(i + offset) % 4]!);
}

describe("5.3 Client-to-Server Masking", () => {
  it("masks the RFC example", () => {
    const data = new TextEncoder().encode("Hello");
    maskInPlace(data, packMaskKey(0x37, 0xfa, 0x21, 0x3d));
    assert.equal(toHex(data), toHex(hex("7f9f4d5158")));
  });

  it("matches the byte-wise definition at any offset, alignment and length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.nat(7),
        fc.nat(3),
        (payload, key, pad, offset) => {
          const buffer = new Uint8Array(payload.length + pad);
          buffer.set(payload, pad);
          const view = buffer.subarray(pad);
          const next = maskInPlace(view, packMaskKey(key[0]!, key[1]!, key[2]!, key[3]!), offset);
          assert.deepEqual(view, referenceMask(payload, key, offset));
          assert.equal(next, (offset + payload.length) % 4);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("carries the rotated key across chunks", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.nat(100),
        fc.integer(),
        (payload, cut, k) => {
          const key = k >>> 0;
          const at = cut % payload.length;
          const whole = payload.slice();
          maskInPlace(whole, key);
          const parts = payload.slice();
          const offset = maskInPlace(parts.subarray(0, at), key, 0);
          maskInPlace(parts.subarray(at), key, offset);
          assert.deepEqual(parts, whole);
        },
      ),
    );
  });

  it("maskInto masks while copying and leaves the source alone", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(5),
        fc.nat(5),
        fc.integer(),
        (payload, srcPad, dstPad, k) => {
          const key = k >>> 0;
          const src = new Uint8Array(payload.length + srcPad);
          src.set(payload, srcPad);
          const source = src.subarray(srcPad);
          const target = new Uint8Array(payload.length + dstPad);
          maskInto(source, target, dstPad, key);
          const expected = payload.slice();
          maskInPlace(expected, key);
          assert.deepEqual(target.subarray(dstPad), expected);
          assert.deepEqual(source, payload);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the SIMD kernel's paths match the byte-wise definition, at every length around their steps", () => {
    // Around SIMD_MIN, the kernel's 16- and 64-byte steps and its 16 KiB blocks; both functions,
    // at a misaligned target and a key rotated by an offset.
    const lengths = [
      ...Array.from({ length: 200 }, (_, i) => SIMD_MIN - 40 + i),
      16_383,
      16_384,
      16_385,
      40_001,
    ];
    const keyBytes = [0x37, 0xfa, 0x21, 0x3d];
    const key = packMaskKey(keyBytes[0]!, keyBytes[1]!, keyBytes[2]!, keyBytes[3]!);
    for (const length of lengths) {
      const payload = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const target = new Uint8Array(length + 3);
      maskInto(payload, target, 3, key);
      assert.deepEqual(target.subarray(3), referenceMask(payload, keyBytes), `maskInto, ${length} bytes`);
      const inPlace = payload.slice();
      maskInPlace(inPlace, key, 2);
      assert.deepEqual(inPlace, referenceMask(payload, keyBytes, 2), `maskInPlace, ${length} bytes`);
    }
  });

  it("rotateMaskKey(key, 4) is the key", () => {
    assert.equal(rotateMaskKey(0x12345678, 4), 0x12345678);
    assert.equal(rotateMaskKey(packMaskKey(1, 2, 3, 4), 1), packMaskKey(2, 3, 4, 1));
  });
});

describe("masking keys", () => {
  it("come from the injected random fill, in batches", () => {
    let fills = 0;
    const source = new RandomMaskKeySource((target) => {
      fills++;
      target.fill(fills);
    }, 4);
    const keys = Array.from({ length: 8 }, () => source.nextKey());
    assert.equal(fills, 2);
    assert.equal(keys[0], 0x01010101);
    assert.equal(keys[4], 0x02020202);
  });

  it("default source is not constant", () => {
    const source = new RandomMaskKeySource();
    const keys = new Set(Array.from({ length: 100 }, () => source.nextKey()));
    assert.ok(keys.size > 90);
  });

  it("a fixed source repeats its key", () => {
    assert.equal(new FixedMaskKeySource(42).nextKey(), 42);
  });
});
