import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodeClosePayload,
  InvalidArgumentError,
  isValidWireCloseCode,
  parseClosePayload,
  truncateCloseReason,
} from "../../src/codec/index.js";
import { concat, hex, utf8 } from "../helpers/bits.js";

describe("7.4 Status Codes", () => {
  const valid = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
  ];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
  for (const code of valid) {
    it(`${code} is valid on the wire`, () => {
      assert.ok(isValidWireCloseCode(code));
      const parsed = parseClosePayload(encodeClosePayload(code, "bye"));
      assert.deepEqual(parsed, { code, reason: "bye" });
    });
  }
  for (const code of invalid) {
    it(`${code} is invalid: receiving it is 1002, sending it throws`, () => {
      assert.ok(!isValidWireCloseCode(code));
      const payload = hex(code.toString(16).padStart(4, "0"));
      const parsed = parseClosePayload(payload);
      assert.ok(
        "closeCode" in parsed && parsed.closeCode === 1002 && parsed.code === "WS_ERR_INVALID_CLOSE_CODE",
      );
      assert.throws(
        () => encodeClosePayload(code),
        (e) => e instanceof InvalidArgumentError && e.code === "WS_ERR_INVALID_CLOSE_CODE",
      );
    });
  }
});

describe("5.5.1 Close", () => {
  it("an empty payload reads as 1005 with no reason", () => {
    assert.deepEqual(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
    assert.equal(encodeClosePayload().length, 0);
  });
  it("a one-byte payload is 1002", () => {
    const parsed = parseClosePayload(hex("03"));
    assert.ok("closeCode" in parsed && parsed.closeCode === 1002);
  });
  it("a reason that is not UTF-8 is 1007", () => {
    const parsed = parseClosePayload(concat([hex("03e8"), hex("eda080")]));
    assert.ok("closeCode" in parsed && parsed.closeCode === 1007);
  });
  it("a reason of 123 bytes fits, 124 throws", () => {
    assert.equal(encodeClosePayload(1000, "a".repeat(123)).length, 125);
    assert.throws(() => encodeClosePayload(1000, "a".repeat(124)), { code: "WS_ERR_CLOSE_REASON_TOO_LONG" });
    assert.throws(() => encodeClosePayload(1000, "é".repeat(62)), { code: "WS_ERR_CLOSE_REASON_TOO_LONG" });
  });
  it("a reason we make ourselves is cut to 123 bytes, never inside a code point", () => {
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    assert.equal(truncateCloseReason("short"), "short");
    assert.equal(truncateCloseReason("a".repeat(123)), "a".repeat(123));
    assert.equal(truncateCloseReason("a".repeat(500)), "a".repeat(123));
    // 2-, 3- and 4-byte characters, at every offset against the limit.
    for (const ch of ["é", "✓", "🎉"]) {
      for (let pad = 0; pad < 4; pad++) {
        const cut = truncateCloseReason("a".repeat(pad) + ch.repeat(80));
        assert.ok(
          bytes(cut) <= 123 && bytes(cut) > 123 - bytes(ch),
          `${ch} after ${pad}: ${bytes(cut)} bytes`,
        );
        assert.ok(!cut.includes("\ufffd"), "no replacement character");
        assert.equal(encodeClosePayload(1011, cut).length, 2 + bytes(cut));
      }
    }
  });
  it("a reason without a code throws", () => {
    assert.throws(() => encodeClosePayload(undefined, "why"), InvalidArgumentError);
  });
  it("multi-byte reasons survive", () => {
    assert.deepEqual(parseClosePayload(encodeClosePayload(4001, "adiós ✓")), {
      code: 4001,
      reason: "adiós ✓",
    });
    assert.deepEqual(parseClosePayload(concat([hex("0fa0"), utf8("x")])), { code: 4000, reason: "x" });
  });
});
