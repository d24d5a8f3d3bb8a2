import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { encodeUnmaskedFrame, Opcode } from "../../src/codec/index.js";
import {
  checkDeflateResponse,
  type DeflateFunctions,
  PerMessageDeflate,
} from "../../src/extensions/index.js";
import { parseExtensions } from "../../src/handshake/index.js";
import type { ProtocolEvent } from "../../src/protocol/index.js";
import { nativeDeflate, nativeInflate } from "../../src/transport/index.js";
import { concat, utf8 } from "../helpers/bits.js";
import { chunkings } from "../helpers/chunkings.js";
import { clientProtocol } from "../helpers/protocol-peer.js";
import { seededRandom } from "../helpers/seeded-random.js";

const NODE: DeflateFunctions = { deflate: nativeDeflate, inflate: nativeInflate };
const response = (value: string) => parseExtensions(value)!;

describe("permessage-deflate: the server's acceptance (RFC 7692 §7.1)", () => {
  it("accepts what a response to our offer may carry", () => {
    for (const value of [
      "permessage-deflate; server_no_context_takeover",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
      'permessage-deflate; server_no_context_takeover; server_max_window_bits="15"',
      "x-other, permessage-deflate; server_no_context_takeover",
    ])
      assert.equal(checkDeflateResponse(response(value)), undefined, value);
    assert.equal(checkDeflateResponse(response("x-other")), undefined, "not accepted at all");
  });

  it("refuses an acceptance that breaks the rules, saying which", () => {
    const cases: [string, RegExp][] = [
      ["permessage-deflate", /without server_no_context_takeover/],
      ["permessage-deflate; client_no_context_takeover", /without server_no_context_takeover/],
      ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", /repeats a parameter/],
      ["permessage-deflate; server_no_context_takeover=1", /takes no value/],
      ["permessage-deflate; server_no_context_takeover; server_max_window_bits=7", /must be 8-15/],
      ["permessage-deflate; server_no_context_takeover; server_max_window_bits=16", /must be 8-15/],
      ["permessage-deflate; server_no_context_takeover; server_max_window_bits", /must be 8-15, got none/],
      ["permessage-deflate; server_no_context_takeover; client_max_window_bits=10", /not offered/],
      ["permessage-deflate; server_no_context_takeover; x=1", /unknown permessage-deflate parameter x/],
      [
        "permessage-deflate; server_no_context_takeover, permessage-deflate; server_no_context_takeover",
        /more than once/,
      ],
    ];
    for (const [value, cause] of cases)
      assert.match(String(checkDeflateResponse(response(value))), cause, value);
  });
});

describe("permessage-deflate: messages", () => {
  it("compresses from the threshold on, without the sync flush's tail, and only when it shrinks", () => {
    const deflate = new PerMessageDeflate(NODE, 100);
    assert.equal(deflate.compress(utf8("a".repeat(99))), undefined);
    const compressed = deflate.compress(utf8("a".repeat(1000)))!;
    assert.ok(compressed.length < 20, `${compressed.length} bytes`);
    assert.notDeepEqual([...compressed.subarray(-4)], [0, 0, 0xff, 0xff]);
    const next = seededRandom(7);
    const random = Uint8Array.from({ length: 4096 }, () => Math.floor(next() * 256));
    assert.equal(deflate.compress(random), undefined, "incompressible bytes go as they are");
  });

  it("round-trips any bytes (fast-check)", () => {
    const deflate = new PerMessageDeflate(NODE, 0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const compressed = deflate.compress(bytes);
        if (compressed === undefined) return;
        assert.deepEqual([...(deflate.decompress(compressed, 1 << 20) as Uint8Array)], [...bytes]);
      }),
      { numRuns: 200 },
    );
  });

  it("stops at the size limit, and tells invalid data apart", () => {
    const deflate = new PerMessageDeflate(NODE, 0);
    const bomb = deflate.compress(new Uint8Array(10_000_000))!;
    assert.ok(bomb.length < 20_000);
    assert.equal(deflate.decompress(bomb, 1_000_000), "too-big");
    assert.equal(deflate.decompress(new Uint8Array([0xff, 0xff, 0xff, 0x12]), 1000), "invalid");
  });
});

/** A server frame with RSV1 as given. */
function serverFrame(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): Uint8Array {
  return concat(encodeUnmaskedFrame(opcode, payload, { fin, rsv1 }));
}
/** What a server sends for `text` under permessage-deflate: raw DEFLATE, sync flush, tail removed. */
function compressed(text: string | Uint8Array): Uint8Array {
  const out = deflateRawSync(typeof text === "string" ? utf8(text) : text, { finishFlush: 2 });
  return new Uint8Array(out.subarray(0, out.length - 4));
}
/** What the protocol delivered: a whole single-frame message however it came (one event or pieces). */
function received(input: readonly Uint8Array[], maxMessageSize = 1 << 20): string[] {
  const { protocol } = clientProtocol({ maxMessageSize });
  protocol.enableCompression(new PerMessageDeflate(NODE, 0));
  for (const chunk of input) protocol.receiveData(chunk);
  const out: string[] = [];
  for (const line of protocol.eventsReceived().map(describeEvent)) {
    const last = out.at(-1);
    if (last?.startsWith("start ") && last.endsWith(" single") && line.startsWith("data "))
      out[out.length - 1] = `${last} ${line.slice(5)}`;
    else if (last?.includes(" single ") && line.startsWith("data "))
      out[out.length - 1] = last + line.slice(5);
    else if (last?.includes(" single") && line === "message-end")
      out[out.length - 1] = last.replace(/^start (\w+) single ?/, "message $1 ");
    else out.push(line);
  }
  return out;
}
function describeEvent(e: ProtocolEvent): string {
  switch (e.kind) {
    case "message":
      return `message ${e.messageType} ${new TextDecoder().decode(e.data)}`;
    case "message-start":
      return `start ${e.messageType}${e.singleFrame ? " single" : ""}`;
    case "message-data":
      return `data ${new TextDecoder().decode(e.data)}`;
    case "protocol-error":
      return `error ${e.violation.code} ${e.violation.closeCode}`;
    default:
      return e.kind;
  }
}

describe("permessage-deflate in the protocol", () => {
  it("delivers a compressed message decompressed, whatever the chunking", () => {
    const wire = concat([
      serverFrame(Opcode.Text, compressed("héllo, héllo, héllo"), true, true),
      serverFrame(Opcode.Text, utf8("plain"), true, false),
    ]);
    for (const chunks of chunkings(wire))
      assert.deepEqual(received(chunks), ["message text héllo, héllo, héllo", "message text plain"]);
  });

  it("a fragmented compressed message: RSV1 on its first frame only, delivered as start, data, end", () => {
    const all = compressed("fragmented and compressed");
    const wire = concat([
      serverFrame(Opcode.Binary, all.subarray(0, 5), false, true),
      serverFrame(Opcode.Ping, utf8("between"), true, false),
      serverFrame(Opcode.Continuation, all.subarray(5), true, false),
    ]);
    assert.deepEqual(received([wire]), [
      "ping",
      "start binary",
      "data fragmented and compressed",
      "message-end",
    ]);
  });

  it("fails the connection for RSV1 where it may not be, bad data, too much data, or bad UTF-8", () => {
    const all = compressed("abc");
    assert.deepEqual(
      received([
        concat([
          serverFrame(Opcode.Text, all.subarray(0, 1), false, true),
          serverFrame(Opcode.Continuation, all.subarray(1), true, true),
        ]),
      ]),
      ["error WS_ERR_UNEXPECTED_RSV 1002"],
    );
    assert.deepEqual(received([serverFrame(Opcode.Ping, new Uint8Array(0), true, true)]), [
      "error WS_ERR_UNEXPECTED_RSV 1002",
    ]);
    assert.deepEqual(received([serverFrame(Opcode.Text, new Uint8Array([0xff, 0xff, 0xff]), true, true)]), [
      "error WS_ERR_INVALID_COMPRESSED_DATA 1007",
    ]);
    assert.deepEqual(
      received([serverFrame(Opcode.Binary, compressed(new Uint8Array(100_000)), true, true)], 50_000),
      ["error WS_ERR_MESSAGE_TOO_BIG 1009"],
    );
    assert.deepEqual(
      received([serverFrame(Opcode.Text, compressed(new Uint8Array([0xc3, 0x28])), true, true)]),
      ["error WS_ERR_INVALID_UTF8 1007"],
    );
  });

  it("without the extension, RSV1 is still a protocol error", () => {
    const { protocol } = clientProtocol();
    protocol.receiveData(serverFrame(Opcode.Text, compressed("x"), true, true));
    assert.deepEqual(protocol.eventsReceived().map(describeEvent), ["error WS_ERR_UNEXPECTED_RSV 1002"]);
  });
});
