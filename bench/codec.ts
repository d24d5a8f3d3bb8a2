/**
 * `npm run bench:codec`: the frame codec side by side with the `ws` package's own Receiver and
 * Sender (with bufferutil, as commonly deployed) on the same inputs. Prints a markdown table with
 * medians and ratios. A benchmark, not a test.
 */
import { isUtf8 } from "node:buffer";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  arenaAllocator,
  encodeMaskedFrame,
  encodeUnmaskedFrame,
  isValidUtf8,
  Opcode,
  RandomMaskKeySource,
  releaseFrame,
  SlabAllocator,
  Utf8Validator,
} from "../src/codec/index.js";
import { WebSocketProtocol } from "../src/protocol/index.js";
import { environment, type RowResult, runRow, table } from "./harness.js";

const require = createRequire(import.meta.url);
const ws = require("ws") as {
  Receiver: new (
    options: object,
  ) => {
    on(event: "message", fn: (data: Buffer) => void): void;
    write(chunk: Buffer): boolean;
  };
  Sender: { frame(data: Buffer, options: object): Buffer[] };
};
const { isValidUTF8 } = require(join(dirname(require.resolve("ws")), "lib", "validation.js")) as {
  isValidUTF8: (b: Buffer) => boolean;
};

/** What the Node transport injects: slabs for small frames, uninitialised memory for large ones, as ws uses. */
const allocate = new SlabAllocator({ allocateLarge: (n) => Buffer.allocUnsafeSlow(n) }).allocate;
/** What the client uses over its own TCP transport: large frames in the arena, released once written. */
const allocateInArena = arenaAllocator(allocate);
const quick = process.argv.includes("--quick");
const opts = quick ? { rounds: 3, minMs: 60 } : { rounds: 7, minMs: 150 };
const sizes: [string, number][] = [
  ["32 B", 32],
  ["1 KiB", 1024],
  ["64 KiB", 64 * 1024],
  ["1 MiB", 1024 * 1024],
];
const SOCKET_CHUNK = 64 * 1024;

/** `count` unmasked binary frames of `size` bytes, cut into socket-sized chunks. */
function serverStream(size: number): { chunks: Buffer[]; frames: number; bytes: number } {
  const frames = Math.max(4, Math.floor((4 * 1024 * 1024) / (size + 10)));
  const payload = Buffer.alloc(size, 0x61);
  const frame = Buffer.concat(encodeUnmaskedFrame(Opcode.Binary, payload));
  const all = Buffer.concat(Array.from({ length: frames }, () => frame));
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += SOCKET_CHUNK) chunks.push(all.subarray(i, i + SOCKET_CHUNK));
  return { chunks, frames, bytes: frames * size };
}

function parseRows(): RowResult[] {
  return sizes.map(([label, size]) => {
    const { chunks, frames, bytes } = serverStream(size);
    const wsflowParse = (assemble: boolean) => () => {
      const protocol = new WebSocketProtocol({
        role: "client",
        maxFrameSize: 2 ** 31,
        maxMessageSize: 2 ** 31,
      });
      let messages = 0;
      // A message that spans chunks is gathered as its pieces arrive, in memory allocated at its
      // header (which gives its length), as the WebSocket stage does for strict messages.
      let gathered: Buffer | undefined;
      let filled = 0;
      for (const chunk of chunks) {
        protocol.receiveData(chunk);
        for (const e of protocol.eventsReceived()) {
          if (e.kind === "message") {
            messages++;
          } else if (e.kind === "message-start") {
            if (assemble && e.singleFrame) gathered = Buffer.allocUnsafe(e.frameLength);
            filled = 0;
          } else if (e.kind === "message-data") {
            if (gathered !== undefined) {
              gathered.set(e.data, filled);
              filled += e.data.length;
            }
          } else if (e.kind === "message-end") {
            gathered = undefined;
            messages++;
          }
        }
      }
      if (messages !== frames) throw new Error(`wsflow parsed ${messages}/${frames}`);
    };
    const wsParse = () => {
      const receiver = new ws.Receiver({ isServer: false, maxPayload: 0, binaryType: "nodebuffer" });
      let messages = 0;
      receiver.on("message", () => messages++);
      for (const chunk of chunks) receiver.write(chunk);
      if (messages !== frames) throw new Error(`ws parsed ${messages}/${frames}`);
    };
    return runRow(
      {
        label: `parse ${label}`,
        unitsPerCall: frames,
        bytesPerCall: bytes,
        contenders: [
          { name: "wsflow", run: wsflowParse(false) },
          { name: "wsflow+assemble", run: wsflowParse(true) },
          { name: "ws", run: wsParse },
        ],
      },
      opts,
    );
  });
}

function buildRows(): RowResult[] {
  return sizes.map(([label, size]) => {
    const payload = Buffer.alloc(size, 0x62);
    const frames = Math.max(4, Math.floor((4 * 1024 * 1024) / (size + 14)));
    const keys = new RandomMaskKeySource();
    let sink = 0;
    const row = runRow(
      {
        label: `build+mask ${label}`,
        unitsPerCall: frames,
        bytesPerCall: frames * size,
        contenders: [
          {
            name: "wsflow",
            run: () => {
              for (let i = 0; i < frames; i++) {
                // The transport releases each frame on its write callback; here it is "written" at once.
                const frame = encodeMaskedFrame(Opcode.Binary, payload, keys.nextKey(), {}, allocateInArena);
                sink += frame.length;
                releaseFrame(frame);
              }
            },
          },
          {
            name: "wsflow, no arena",
            run: () => {
              for (let i = 0; i < frames; i++) {
                sink += encodeMaskedFrame(Opcode.Binary, payload, keys.nextKey(), {}, allocate).length;
              }
            },
          },
          {
            name: "ws",
            run: () => {
              for (let i = 0; i < frames; i++) {
                const list = ws.Sender.frame(payload, {
                  fin: true,
                  rsv1: false,
                  opcode: 2,
                  mask: true,
                  readOnly: true,
                });
                sink += list[0]!.length;
              }
            },
          },
        ],
      },
      opts,
    );
    // Using the sum keeps the optimiser from discarding the frames.
    if (sink === 0) throw new Error("no frames built");
    return row;
  });
}

function utf8Rows(): RowResult[] {
  const texts: [string, Buffer][] = [
    ["ASCII 1 MiB", Buffer.alloc(1024 * 1024, "The quick brown fox jumps over the lazy dog. ")],
    ["mixed 1 MiB", Buffer.alloc(1024 * 1024, "Grüße, 世界! Ελληνικά 🎉 ")],
    ["mixed 100 B", Buffer.from("Grüße, 世界! Ελληνικά 🎉 ".repeat(3)).subarray(0, 100)],
  ];
  return texts.map(([label, raw]) => {
    // Cut to a code point boundary so the input is valid.
    let end = raw.length;
    while (end > 0 && (raw[end - 1]! & 0xc0) === 0x80) end--;
    const bytes = isUtf8(raw.subarray(0, end)) ? raw.subarray(0, end) : raw.subarray(0, end - 1);
    if (!isUtf8(bytes)) throw new Error("bench input must be valid");
    const reps = Math.max(1, Math.floor((8 * 1024 * 1024) / bytes.length));
    const fast = new Utf8Validator(isUtf8);
    // A message that arrives in one chunk is checked whole, by one stateless call with the
    // accelerator (as the protocol does); a streamed one chunk by chunk.
    const whole = (bulk: typeof isUtf8 | undefined) => () => {
      for (let i = 0; i < reps; i++) if (!isValidUtf8(bytes, bulk)) throw new Error("invalid");
    };
    const chunked = (v: Utf8Validator) => () => {
      for (let i = 0; i < reps; i++) if (v.feed(bytes) !== -1 || !v.end()) throw new Error("invalid");
    };
    return runRow(
      {
        label: `UTF-8 ${label}`,
        unitsPerCall: reps,
        bytesPerCall: reps * bytes.length,
        contenders: [
          { name: "wsflow", run: whole(isUtf8) },
          { name: "wsflow feed+end", run: chunked(fast) },
          { name: "wsflow pure JS", run: whole(undefined) },
          {
            name: "ws",
            run: () => {
              for (let i = 0; i < reps; i++) if (!isValidUTF8(bytes)) throw new Error("invalid");
            },
          },
        ],
      },
      opts,
    );
  });
}

console.log(
  `# wsflow codec benchmark\n\n${await environment()}; ws ${require("ws/package.json").version} with bufferutil\n`,
);
console.log("Medians of alternating rounds; the last column of each table is the ratio to ws.\n");
console.log("## Parsing server frames (64 KiB socket chunks), frames/s\n");
console.log(
  "`wsflow` yields each payload as views; `wsflow+assemble` also gathers a message that spans chunks into one buffer",
);
console.log(
  "as its pieces arrive, allocated at its header, as the WebSocket stage does and as ws's Receiver joins one (the fair comparison).\n",
);
console.log(table(parseRows(), "frames"));
console.log("\n## Building and masking client frames, frames/s\n");
console.log(
  "`wsflow` builds frames of 2 KiB or more in its frame arena (WebAssembly memory: one copy, masked",
);
console.log(
  "in place, no allocation) and releases each, as its TCP transport does once the socket wrote it;",
);
console.log("`wsflow, no arena` builds every frame in a fresh buffer, as over a transport of the user's.\n");
console.log(table(buildRows(), "frames"));
console.log("\n## UTF-8 validation, buffers/s\n");
console.log("`wsflow` uses node:buffer's isUtf8 as its bulk accelerator (as the Node transport injects it)");
console.log("and checks a message that arrived in one chunk whole; `wsflow feed+end` is the incremental");
console.log("path of a message streamed in chunks; `wsflow pure JS` is the state machine alone.");
console.log("ws calls isUtf8 (its JS loop under 24 bytes): at 100 B both sides are one call of the same");
console.log("native function, so parity is the ceiling there.\n");
console.log(table(utf8Rows(), "buffers"));
