import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  encodeFrameHeader,
  encodeMaskedFrame,
  FrameDecoder,
  Opcode,
  RSV1_BIT,
} from "../../src/codec/index.js";
import { bits, concat, hex, toHex } from "../helpers/bits.js";
import { chunkings } from "../helpers/chunkings.js";
import { decodeAll, FrameRecorder } from "../helpers/frame-recorder.js";
import { rfc6455Frames } from "../vectors/rfc6455-frames.js";

const client = { expectMasked: false } as const;
const server = { expectMasked: true } as const;

/** Decodes at every chunking and checks each gives `expected`. */
function expectAtEveryChunking(
  input: Uint8Array,
  options: { expectMasked: boolean },
  expected: string[],
): void {
  for (const chunks of chunkings(input)) {
    assert.deepEqual(
      decodeAll(chunks, options).events,
      expected,
      `chunks ${chunks.map((c) => c.length).join("+")}`,
    );
  }
}

describe("5.7 Examples", () => {
  it("a single-frame unmasked text message", () => {
    expectAtEveryChunking(rfc6455Frames.unmaskedHello, client, [
      "start F--- op=1 len=5 masked=false",
      `payload ${toHex(new TextEncoder().encode("Hello"))}`,
      "end",
    ]);
  });

  it("a single-frame masked text message, unmasked at any split", () => {
    expectAtEveryChunking(rfc6455Frames.maskedHello, server, [
      "start F--- op=1 len=5 masked=true",
      "payload 48656c6c6f",
      "end",
    ]);
  });

  it("a fragmented unmasked text message", () => {
    expectAtEveryChunking(concat([rfc6455Frames.fragmentedHel, rfc6455Frames.fragmentedLo]), client, [
      "start ---- op=1 len=3 masked=false",
      "payload 48656c",
      "end",
      "start F--- op=0 len=2 masked=false",
      "payload 6c6f",
      "end",
    ]);
  });

  it("an unmasked ping and the masked pong", () => {
    expectAtEveryChunking(rfc6455Frames.unmaskedPing, client, [
      "start F--- op=9 len=5 masked=false",
      "payload 48656c6c6f",
      "end",
    ]);
    expectAtEveryChunking(rfc6455Frames.maskedPong, server, [
      "start F--- op=10 len=5 masked=true",
      "payload 48656c6c6f",
      "end",
    ]);
  });

  it("256-byte and 64 KiB binary headers use the 16-bit and 64-bit forms", () => {
    const r256 = decodeAll([concat([rfc6455Frames.binary256Header, new Uint8Array(256)])], client);
    assert.equal(r256.events[0], "start F--- op=2 len=256 masked=false");
    const r64 = decodeAll([concat([rfc6455Frames.binary64KiBHeader, new Uint8Array(65536)])], client);
    assert.equal(r64.events[0], "start F--- op=2 len=65536 masked=false");
  });
});

describe("5.2 Base Framing Protocol: header rules", () => {
  const cases: [string, Uint8Array, number, string, { allowedRsv?: number; maxFrameSize?: number }?][] = [
    ["RSV1 without extension", bits`1100 0001 | 0 0000000`, 1002, "WS_ERR_UNEXPECTED_RSV"],
    ["RSV2", bits`1010 0001 | 0 0000000`, 1002, "WS_ERR_UNEXPECTED_RSV"],
    ["RSV3", bits`1001 0001 | 0 0000000`, 1002, "WS_ERR_UNEXPECTED_RSV"],
    [
      "RSV2 with RSV1 negotiated",
      bits`1010 0001 | 0 0000000`,
      1002,
      "WS_ERR_UNEXPECTED_RSV",
      { allowedRsv: RSV1_BIT },
    ],
    ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op): [string, Uint8Array, number, string] => [
      `opcode 0x${op.toString(16)}`,
      hex(`8${op.toString(16)} 00`),
      1002,
      "WS_ERR_INVALID_OPCODE",
    ]),
    ["fragmented ping", bits`0000 1001 | 0 0000000`, 1002, "WS_ERR_FRAGMENTED_CONTROL"],
    ["fragmented close", bits`0000 1000 | 0 0000000`, 1002, "WS_ERR_FRAGMENTED_CONTROL"],
    ["ping of 126 bytes (16-bit form)", hex("89 7e 007e"), 1002, "WS_ERR_CONTROL_TOO_LONG"],
    ["64-bit length with top bit set", hex("82 7f 8000000000000000"), 1002, "WS_ERR_INVALID_LENGTH"],
    ["masked frame from a server", hex("81 85 37fa213d"), 1002, "WS_ERR_UNEXPECTED_MASK"],
    ["frame over maxFrameSize", hex("82 7e 0401"), 1009, "WS_ERR_FRAME_TOO_BIG", { maxFrameSize: 1024 }],
    [
      "2^62 bytes: rejected from the header alone",
      hex("82 7f 4000000000000000"),
      1009,
      "WS_ERR_FRAME_TOO_BIG",
    ],
  ];
  for (const [name, input, closeCode, code, extra] of cases) {
    it(`${name} → ${closeCode}`, () => {
      for (const chunks of chunkings(input)) {
        const r = decodeAll(chunks, { ...client, ...extra });
        assert.equal(r.violation?.closeCode, closeCode);
        assert.equal(r.violation?.code, code);
        assert.equal(r.events.length, 1, "nothing but the violation");
      }
    });
  }

  it("an unmasked frame from a client → 1002", () => {
    const r = decodeAll([rfc6455Frames.unmaskedHello], server);
    assert.equal(r.violation?.code, "WS_ERR_EXPECTED_MASK");
  });

  it("RSV1 is accepted once negotiated", () => {
    const r = decodeAll([bits`1100 0001 | 0 0000000`], { ...client, allowedRsv: RSV1_BIT });
    assert.deepEqual(r.events, ["start F1-- op=1 len=0 masked=false", "payload ", "end"]);
  });

  it("ignores everything after a violation", () => {
    const recorder = new FrameRecorder();
    const decoder = new FrameDecoder(recorder, client);
    decoder.push(hex("83 00"));
    decoder.push(rfc6455Frames.unmaskedHello);
    assert.equal(recorder.events.length, 1);
    assert.ok(decoder.stopped);
  });

  it("lengths 124-127 and 65534-65537 use the minimal form and decode back", () => {
    for (const len of [0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537]) {
      const header = encodeFrameHeader(Opcode.Binary, len);
      assert.equal(header.length, len < 126 ? 2 : len < 65536 ? 4 : 10, `header length for ${len}`);
      const r = decodeAll([concat([header, new Uint8Array(len)])], client);
      assert.equal(r.headers[0]?.payloadLength, len);
      assert.deepEqual(r.events.slice(-1), ["end"]);
    }
  });

  it("streams a large payload as views without copying", () => {
    const payload = new Uint8Array(1 << 20).fill(7);
    const frame = concat([encodeFrameHeader(Opcode.Binary, payload.length), payload]);
    const seen: Uint8Array[] = [];
    const decoder = new FrameDecoder(
      {
        onFrameStart() {},
        onFramePayload: (c) => seen.push(c),
        onFrameEnd() {},
        onViolation: () => assert.fail("no violation"),
      },
      client,
    );
    const chunk = frame.subarray(0, 70000);
    decoder.push(chunk);
    decoder.push(frame.subarray(70000));
    assert.equal(seen[0]!.buffer, frame.buffer, "payload is a view of the input");
    assert.equal(
      seen.reduce((n, c) => n + c.length, 0),
      payload.length,
    );
  });
});

describe("properties", () => {
  const frameArb = fc.record({
    opcode: fc.constantFrom(Opcode.Text, Opcode.Binary, Opcode.Continuation, Opcode.Ping, Opcode.Pong),
    fin: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 300 }),
    key: fc.integer({ min: 0, max: 0xffffffff }),
  });

  it("encode → decode round trip, masked, at random splits", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (frames, cuts) => {
          const valid = frames.map((f) =>
            f.opcode >= 8 ? { ...f, fin: true, payload: f.payload.subarray(0, 125) } : f,
          );
          const wire = concat(
            valid.map((f) => encodeMaskedFrame(f.opcode, f.payload, f.key, { fin: f.fin })),
          );
          const positions = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let start = 0;
          for (const p of positions) {
            chunks.push(wire.slice(start, p));
            start = p;
          }
          chunks.push(wire.slice(start));
          const r = decodeAll(chunks, server);
          const expected = valid.flatMap((f) => [
            `start ${f.fin ? "F" : "-"}--- op=${f.opcode} len=${f.payload.length} masked=true`,
            `payload ${toHex(f.payload)}`,
            "end",
          ]);
          assert.deepEqual(r.events, expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random bytes never throw: frames or one violation", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, expectMasked) => {
        const r = decodeAll([bytes], { expectMasked, maxFrameSize: 1 << 16 });
        const violations = r.events.filter((e) => e.startsWith("violation"));
        assert.ok(violations.length <= 1);
        if (violations.length === 1) assert.ok(r.events.at(-1)!.startsWith("violation"));
      }),
      { numRuns: 1000 },
    );
  });

  it("any chunking gives the same events as one chunk", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(64), (bytes, cut) => {
        const whole = decodeAll([bytes.slice()], client).events;
        const at = cut % (bytes.length + 1);
        const split = decodeAll([bytes.slice(0, at), bytes.slice(at)], client).events;
        assert.deepEqual(split, whole);
      }),
      { numRuns: 1000 },
    );
  });
});
