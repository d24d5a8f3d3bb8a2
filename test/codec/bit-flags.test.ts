import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { hasFlag, withFlag } from "../../src/codec/bit-flags.js";

describe("bit flags", () => {
  it("withFlag sets or clears exactly the mask's bits, and hasFlag sees any of them", () => {
    fc.assert(
      fc.property(fc.nat(0xffff), fc.integer({ min: 1, max: 0xffff }), fc.boolean(), (flags, mask, on) => {
        const next = withFlag(flags, mask, on);
        assert.equal(next & ~mask, flags & ~mask, "other bits untouched");
        assert.equal(next & mask, on ? mask : 0);
        assert.equal(hasFlag(next, mask), on);
        assert.equal(hasFlag(flags, mask), (flags & mask) !== 0);
      }),
    );
  });
});
