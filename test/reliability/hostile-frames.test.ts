import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frame, startHostileServer } from "../helpers/hostile-server.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { listen } from "./connect-helper.js";

const text = 0x1;
const binary = 0x2;
const cont = 0x0;
const close = 0x8;
const ping = 0x9;

/** A server frame header announcing `length` bytes (64-bit form), with no payload. */
function header64(opcode: number, length: bigint): Buffer {
  const h = Buffer.alloc(10);
  h[0] = 0x80 | opcode;
  h[1] = 127;
  h.writeBigUInt64BE(length, 2);
  return h;
}

interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: string;
  readonly closeCode: number;
  readonly maxMessageSize?: number;
  /** Messages that must have been delivered before the failure. */
  readonly delivered?: string[];
}

const cases: Case[] = [
  {
    name: "RSV1 set without an extension",
    bytes: frame(text, "x", true, 0x40),
    code: "WS_ERR_UNEXPECTED_RSV",
    closeCode: 1002,
  },
  { name: "RSV3 set", bytes: frame(text, "x", true, 0x10), code: "WS_ERR_UNEXPECTED_RSV", closeCode: 1002 },
  {
    name: "reserved data opcode 0x3",
    bytes: frame(0x3, "x"),
    code: "WS_ERR_INVALID_OPCODE",
    closeCode: 1002,
  },
  {
    name: "reserved control opcode 0xB",
    bytes: frame(0xb, "x"),
    code: "WS_ERR_INVALID_OPCODE",
    closeCode: 1002,
  },
  {
    name: "a ping of 126 bytes",
    bytes: frame(ping, Buffer.alloc(126)),
    code: "WS_ERR_CONTROL_TOO_LONG",
    closeCode: 1002,
  },
  {
    name: "a fragmented ping",
    bytes: frame(ping, "p", false),
    code: "WS_ERR_FRAGMENTED_CONTROL",
    closeCode: 1002,
  },
  {
    name: "a continuation with nothing to continue",
    bytes: frame(cont, "orphan"),
    code: "WS_ERR_UNEXPECTED_CONTINUATION",
    closeCode: 1002,
  },
  {
    name: "a new message inside a fragmented one",
    bytes: Buffer.concat([frame(text, "a", false), frame(binary, "b")]),
    code: "WS_ERR_EXPECTED_CONTINUATION",
    closeCode: 1002,
  },
  {
    name: "a 64-bit length of 2^63",
    bytes: header64(binary, 1n << 63n),
    code: "WS_ERR_INVALID_LENGTH",
    closeCode: 1002,
  },
  {
    name: "a 64-bit length of 2^62 (refused, nothing allocated)",
    bytes: header64(binary, 1n << 62n),
    code: "WS_ERR_FRAME_TOO_BIG",
    closeCode: 1009,
  },
  {
    name: "a message over maxMessageSize announced in its header",
    bytes: header64(binary, 5000n),
    code: "WS_ERR_MESSAGE_TOO_BIG",
    closeCode: 1009,
    maxMessageSize: 1000,
  },
  {
    name: "a message reaching maxMessageSize over many fragments",
    bytes: Buffer.concat([
      frame(binary, Buffer.alloc(300), false),
      ...Array.from({ length: 5 }, () => frame(cont, Buffer.alloc(300), false)),
    ]),
    code: "WS_ERR_MESSAGE_TOO_BIG",
    closeCode: 1009,
    maxMessageSize: 1000,
  },
  {
    // Only the first 11 bytes of a 1000-byte text frame arrive: the bad byte is caught before the message ends.
    name: "invalid UTF-8, detected at the first bad byte, mid-frame",
    bytes: Buffer.concat([
      Buffer.from([0x81, 126, 0x03, 0xe8]),
      Buffer.from("valid text"),
      Buffer.from([0xff]),
    ]),
    code: "WS_ERR_INVALID_UTF8",
    closeCode: 1007,
  },
  {
    name: "close code 1005 on the wire",
    bytes: frame(close, Buffer.from([0x03, 0xed])),
    code: "WS_ERR_INVALID_CLOSE_CODE",
    closeCode: 1002,
  },
  {
    name: "close code 999",
    bytes: frame(close, Buffer.from([0x03, 0xe7])),
    code: "WS_ERR_INVALID_CLOSE_CODE",
    closeCode: 1002,
  },
  {
    name: "a 1-byte close payload",
    bytes: frame(close, Buffer.from([0x03])),
    code: "WS_ERR_INVALID_CLOSE_PAYLOAD",
    closeCode: 1002,
  },
  {
    name: "a close reason that is not UTF-8",
    bytes: frame(close, Buffer.from([0x03, 0xe8, 0xc3, 0x28])),
    code: "WS_ERR_INVALID_UTF8",
    closeCode: 1007,
  },
  {
    name: "a violation after good messages: those are delivered, nothing after",
    bytes: Buffer.concat([frame(text, "good"), frame(0x3, "bad"), frame(text, "never")]),
    code: "WS_ERR_INVALID_OPCODE",
    closeCode: 1002,
    delivered: ["good"],
  },
];

describe("hostile frames: the right error, the right close code on the wire, nothing left behind", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const server = await startHostileServer((socket, _request, reply101) => {
        reply101();
        socket.write(c.bytes);
      });
      const snapshot = resourceSnapshot();
      try {
        const client = listen(
          server.url(),
          c.maxMessageSize ? { settings: { websocket: { maxMessageSize: c.maxMessageSize } } } : {},
        );
        await client.upgrade;
        await assert.rejects(client.done, (e: unknown) => {
          assert.equal((e as { code: string }).code, c.code);
          assert.equal((e as { closeCode: number }).closeCode, c.closeCode);
          return true;
        });
        assert.deepEqual(client.messages, c.delivered ?? []);
        const deadline = Date.now() + 2000;
        while (server.closeCodes().length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 5));
        assert.deepEqual(server.closeCodes(), [c.closeCode]);
      } finally {
        await server.close();
      }
      await snapshot.check();
    });
  }
});
