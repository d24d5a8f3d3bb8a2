import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  base64Decode,
  base64Encode,
  computeAcceptKey,
  generateWebSocketKey,
  sha1,
} from "../../src/handshake/index.js";
import { toHex, utf8 } from "../helpers/bits.js";
import { rfc6455AcceptExample } from "../vectors/rfc6455-frames.js";

describe("1.3 Opening Handshake: Sec-WebSocket-Accept", () => {
  it("the RFC example", () => {
    assert.equal(computeAcceptKey(rfc6455AcceptExample.key), rfc6455AcceptExample.accept);
  });

  it("SHA-1 agrees with node:crypto on any input", () => {
    assert.equal(toHex(sha1(utf8("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assert.equal(toHex(sha1(data)), createHash("sha1").update(data).digest("hex"));
      }),
    );
  });

  it("a key is 16 random bytes in base64, fresh each time", () => {
    const key = generateWebSocketKey();
    assert.equal(base64Decode(key)?.length, 16);
    assert.notEqual(generateWebSocketKey(), key);
    assert.equal(
      generateWebSocketKey((b) => b.fill(0)),
      "AAAAAAAAAAAAAAAAAAAAAA==",
    );
  });
});

describe("base64 (RFC 4648 §10 vectors)", () => {
  it("encodes the test vectors, and long inputs as Node does", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg=="],
      ["fo", "Zm8="],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg=="],
      ["fooba", "Zm9vYmE="],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      assert.equal(base64Encode(new TextEncoder().encode(plain)), encoded);
      assert.deepEqual(base64Decode(encoded), new TextEncoder().encode(plain));
    }
    // Longer than one chunk of the encoder, every byte value.
    const long = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff);
    assert.equal(base64Encode(long), Buffer.from(long).toString("base64"));
  });
});
