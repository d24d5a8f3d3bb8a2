import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { constants, createDeflateRaw, deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { encodeUnmaskedFrame, Opcode } from "../../src/codec/index.js";
import {
  checkDeflateResponse,
  type DeflateFunctions,
  type DeflateOffer,
  deflateOfferHeader,
  negotiatedDeflate,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
} from "../../src/extensions/index.js";
import { parseExtensions } from "../../src/handshake/index.js";
import type { ProtocolEvent } from "../../src/protocol/index.js";
import { nativeDeflate, nativeInflate, nativeInflatesWithDictionary } from "../../src/transport/index.js";
import { concat, utf8 } from "../helpers/bits.js";
import { chunkings } from "../helpers/chunkings.js";
import { clientProtocol } from "../helpers/protocol-peer.js";
import { seededRandom } from "../helpers/seeded-random.js";

const NODE: DeflateFunctions = {
  deflate: nativeDeflate,
  inflate: nativeInflate,
  inflatesWithDictionary: nativeInflatesWithDictionary(),
};
const response = (value: string) => parseExtensions(value)!;
const NO_TAKEOVER: DeflateOffer = { serverNoContextTakeover: true };
const TAKEOVER: DeflateOffer = { serverNoContextTakeover: false };
/** Deno's zlib ignores a raw inflate's dictionary: the client never lets the server keep context there. */
const noDictionaries = !nativeInflatesWithDictionary() && "this platform's zlib ignores raw dictionaries";

describe("permessage-deflate: the offer and the server's acceptance (RFC 7692 §7.1)", () => {
  it("offers client_no_context_takeover always, the rest as asked", () => {
    assert.equal(deflateOfferHeader(TAKEOVER), "permessage-deflate; client_no_context_takeover");
    assert.equal(
      deflateOfferHeader(NO_TAKEOVER),
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    );
    assert.equal(
      deflateOfferHeader({ serverNoContextTakeover: false, serverMaxWindowBits: 10 }),
      "permessage-deflate; client_no_context_takeover; server_max_window_bits=10",
    );
  });

  it("reads what was agreed for the server's messages", () => {
    assert.deepEqual(negotiatedDeflate(response("permessage-deflate")), {
      serverNoContextTakeover: false,
      serverMaxWindowBits: 15,
    });
    assert.deepEqual(
      negotiatedDeflate(
        response("x-other, permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
      ),
      { serverNoContextTakeover: true, serverMaxWindowBits: 9 },
    );
    assert.equal(negotiatedDeflate(response("x-other")), undefined);
  });

  it("with context takeover allowed, the server may keep its context or not, and narrow its window", () => {
    for (const value of [
      "permessage-deflate",
      "permessage-deflate; client_no_context_takeover",
      "permessage-deflate; server_no_context_takeover",
      "permessage-deflate; server_max_window_bits=8",
    ])
      assert.equal(checkDeflateResponse(response(value), TAKEOVER), undefined, value);
  });

  it("an offered server_max_window_bits must come back, no larger (§7.1.2.1)", () => {
    const offer = { serverNoContextTakeover: false, serverMaxWindowBits: 10 };
    assert.equal(
      checkDeflateResponse(response("permessage-deflate; server_max_window_bits=10"), offer),
      undefined,
    );
    assert.equal(
      checkDeflateResponse(response("permessage-deflate; server_max_window_bits=9"), offer),
      undefined,
    );
    assert.match(
      String(checkDeflateResponse(response("permessage-deflate; server_max_window_bits=11"), offer)),
      /server_max_window_bits is 11, above the 10 offered/,
    );
    assert.match(
      String(checkDeflateResponse(response("permessage-deflate"), offer)),
      /without server_max_window_bits, which the offer required/,
    );
  });

  it("accepts what a response to an offer without server context takeover may carry", () => {
    for (const value of [
      "permessage-deflate; server_no_context_takeover",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
      'permessage-deflate; server_no_context_takeover; server_max_window_bits="15"',
      "x-other, permessage-deflate; server_no_context_takeover",
    ])
      assert.equal(checkDeflateResponse(response(value), NO_TAKEOVER), undefined, value);
    assert.equal(checkDeflateResponse(response("x-other"), NO_TAKEOVER), undefined, "not accepted at all");
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
      assert.match(String(checkDeflateResponse(response(value), NO_TAKEOVER)), cause, value);
  });
});

describe("permessage-deflate: messages", () => {
  it("compresses from the threshold on, without the sync flush's tail, and only when it shrinks", () => {
    const deflate = new PerMessageDeflate(NODE, { threshold: 100 });
    assert.equal(deflate.compress(utf8("a".repeat(99))), undefined);
    const compressed = deflate.compress(utf8("a".repeat(1000)))!;
    assert.ok(compressed.length < 20, `${compressed.length} bytes`);
    assert.notDeepEqual([...compressed.subarray(-4)], [0, 0, 0xff, 0xff]);
    const next = seededRandom(7);
    const random = Uint8Array.from({ length: 4096 }, () => Math.floor(next() * 256));
    assert.equal(deflate.compress(random), undefined, "incompressible bytes go as they are");
  });

  it("compresses at the level asked: 1 is larger than 9, 0 does not shrink", () => {
    const text = utf8(
      JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i % 37}` }))),
    );
    const at = (level: number) => new PerMessageDeflate(NODE, { threshold: 0, level }).compress(text);
    assert.ok(at(1)!.length > at(9)!.length, `level 1: ${at(1)!.length} bytes, level 9: ${at(9)!.length}`);
    assert.deepEqual(
      [...(new PerMessageDeflate(NODE, { threshold: 0 }).decompress(at(1)!, 1 << 20) as Uint8Array)],
      [...text],
    );
    assert.equal(at(0), undefined, "stored blocks are larger than the message: sent as it is");
  });

  it("round-trips any bytes (fast-check)", () => {
    const deflate = new PerMessageDeflate(NODE, { threshold: 0 });
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
    const deflate = new PerMessageDeflate(NODE, { threshold: 0 });
    const bomb = deflate.compress(new Uint8Array(10_000_000))!;
    assert.ok(bomb.length < 20_000);
    assert.equal(deflate.decompress(bomb, 1_000_000), "too-big");
    assert.equal(deflate.decompress(new Uint8Array([0xff, 0xff, 0xff, 0x12]), 1000), "invalid");
  });
});

/**
 * A server's compressor that keeps its context between messages (what RFC 7692 allows unless the
 * client asks otherwise): one zlib stream for all of them, each message ended by a sync flush.
 */
function contextCompressor(windowBits: number) {
  const zlib = createDeflateRaw({ windowBits });
  const pending: Buffer[] = [];
  zlib.on("data", (chunk: Buffer) => pending.push(chunk));
  return {
    async compress(data: Uint8Array): Promise<Uint8Array> {
      zlib.write(data);
      await new Promise<void>((resolve) => zlib.flush(constants.Z_SYNC_FLUSH, () => resolve()));
      const all = Buffer.concat(pending.splice(0));
      return new Uint8Array(all.subarray(0, all.length - 4));
    },
    close: () => zlib.close(),
  };
}

describe("permessage-deflate: the server's context (RFC 7692 §7.1.1.1, §7.1.2.1)", {
  skip: noDictionaries,
}, () => {
  it("decompresses a server that refers back to earlier messages, at every window size (fast-check)", async () => {
    // Few distinct bytes, so that messages repeat each other; some longer than the smaller windows.
    const message = fc.uint8Array({ maxLength: 3000 }).map((b) => b.map((x) => 97 + (x % 4)));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 15 }),
        fc.array(message, { minLength: 1, maxLength: 12 }),
        async (bits, messages) => {
          const server = contextCompressor(bits);
          const client = new PerMessageDeflate(NODE, { threshold: 0, peerWindowBits: bits });
          try {
            for (const m of messages) {
              const out = client.decompress(await server.compress(m), 1 << 20);
              assert.ok(out instanceof Uint8Array, `message of ${m.length} bytes: ${String(out)}`);
              assert.deepEqual([...out], [...m]);
            }
          } finally {
            server.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("needs the window: without it the same messages do not decompress", async () => {
    const server = contextCompressor(15);
    const text = utf8('{"symbol":"ACME","price":101.25,"volume":4200,"venue":"XNYS"}');
    try {
      const first = await server.compress(text);
      const second = await server.compress(text);
      assert.ok(second.length < first.length / 4, `${second.length} bytes after ${first.length}`);
      const keeping = new PerMessageDeflate(NODE, { threshold: 0, peerWindowBits: 15 });
      assert.deepEqual([...(keeping.decompress(first, 1000) as Uint8Array)], [...text]);
      assert.deepEqual([...(keeping.decompress(second, 1000) as Uint8Array)], [...text]);
      const forgetting = new PerMessageDeflate(NODE, { threshold: 0 });
      forgetting.decompress(first, 1000);
      assert.equal(forgetting.decompress(second, 1000), "invalid");
    } finally {
      server.close();
    }
  });

  it("a message the server sent uncompressed stays out of the window", async () => {
    const server = contextCompressor(15);
    try {
      const a = await server.compress(utf8("alpha beta gamma delta"));
      const c = await server.compress(utf8("alpha beta gamma delta, again"));
      const wire = concat([
        serverFrame(Opcode.Text, a, true, true),
        serverFrame(Opcode.Text, utf8("plain, between the two"), true, false),
        serverFrame(Opcode.Text, c, true, true),
      ]);
      const takeover = { peerWindowBits: 15 };
      for (const chunks of chunkings(wire))
        assert.deepEqual(received(chunks, 1 << 20, takeover), [
          "message text alpha beta gamma delta",
          "message text plain, between the two",
          "message text alpha beta gamma delta, again",
        ]);
    } finally {
      server.close();
    }
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
function received(
  input: readonly Uint8Array[],
  maxMessageSize = 1 << 20,
  contexts?: Omit<PerMessageDeflateOptions, "threshold">,
): string[] {
  const { protocol } = clientProtocol({ maxMessageSize });
  protocol.enableCompression(new PerMessageDeflate(NODE, { threshold: 0, ...contexts }));
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
