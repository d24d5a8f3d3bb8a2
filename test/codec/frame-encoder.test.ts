import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodeFrameHeader,
  encodeMaskedFrame,
  encodeUnmaskedFrame,
  InvalidArgumentError,
  Opcode,
  packMaskKey,
} from "../../src/codec/index.js";
import { concat, hex, toHex, utf8 } from "../helpers/bits.js";
import { rfc6455Frames } from "../vectors/rfc6455-frames.js";

const key = packMaskKey(0x37, 0xfa, 0x21, 0x3d);

describe("5.7 Examples, encoded", () => {
  it("unmasked and masked Hello", () => {
    assert.equal(
      toHex(concat(encodeUnmaskedFrame(Opcode.Text, utf8("Hello")))),
      toHex(rfc6455Frames.unmaskedHello),
    );
    assert.equal(toHex(encodeMaskedFrame(Opcode.Text, utf8("Hello"), key)), toHex(rfc6455Frames.maskedHello));
  });
  it("fragments, ping and pong", () => {
    assert.equal(
      toHex(concat(encodeUnmaskedFrame(Opcode.Text, utf8("Hel"), { fin: false }))),
      toHex(rfc6455Frames.fragmentedHel),
    );
    assert.equal(
      toHex(concat(encodeUnmaskedFrame(Opcode.Continuation, utf8("lo")))),
      toHex(rfc6455Frames.fragmentedLo),
    );
    assert.equal(
      toHex(concat(encodeUnmaskedFrame(Opcode.Ping, utf8("Hello")))),
      toHex(rfc6455Frames.unmaskedPing),
    );
    assert.equal(toHex(encodeMaskedFrame(Opcode.Pong, utf8("Hello"), key)), toHex(rfc6455Frames.maskedPong));
  });
  it("256-byte and 64 KiB headers", () => {
    assert.equal(toHex(encodeFrameHeader(Opcode.Binary, 256)), toHex(rfc6455Frames.binary256Header));
    assert.equal(toHex(encodeFrameHeader(Opcode.Binary, 65536)), toHex(rfc6455Frames.binary64KiBHeader));
  });
  it("RSV bits and a large 64-bit length", () => {
    assert.equal(toHex(encodeFrameHeader(Opcode.Text, 0, { rsv1: true, rsv2: true, rsv3: true })), "f100");
    assert.equal(toHex(encodeFrameHeader(Opcode.Binary, 2 ** 40 + 5)), toHex(hex("82 7f 0000010000000005")));
  });
  it("does not modify the payload it masks", () => {
    const payload = utf8("do not touch me, please");
    encodeMaskedFrame(Opcode.Text, payload, key);
    assert.equal(new TextDecoder().decode(payload), "do not touch me, please");
  });
});

describe("encoder argument checks", () => {
  it("refuses reserved opcodes, long or fragmented control frames", () => {
    assert.throws(() => encodeFrameHeader(3, 0), InvalidArgumentError);
    assert.throws(() => encodeFrameHeader(Opcode.Ping, 126), InvalidArgumentError);
    assert.throws(() => encodeFrameHeader(Opcode.Close, 0, { fin: false }), InvalidArgumentError);
  });
});
