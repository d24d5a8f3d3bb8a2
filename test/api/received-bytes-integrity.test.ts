/**
 * The TCP transport reads into the same memory again when the engine kept no view of a chunk
 * (see "Reads into memory of the transport's choosing" in src/transport/tcp.ts). These tests keep
 * every message received and check every byte only at the end, so a read into memory that a
 * message still uses would show.
 */
import assert from "node:assert/strict";
import type * as net from "node:net";
import { describe, it } from "node:test";
import { Flow, Http, Keep, type Message, Sink, Source, WebSocketRequest } from "../../src/index.js";
import { frame } from "../helpers/hostile-server.js";
import { startRawServer, upgradeResponse } from "../helpers/raw-server.js";

const http = Http.get();
const KiB = 1024;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Spec {
  readonly text: boolean;
  readonly bytes: Buffer;
  readonly fragments: number;
}

/** Strict (whole in a read, or across reads), streamed (large or fragmented), text and binary. */
const MIXED = [64 * KiB, 100, 60 * KiB, 200 * KiB, 90 * KiB, 70 * KiB, 65 * KiB, 7];
/** Binary messages strict under a 1 MiB strictThreshold: gathered in place, and above 256 KiB joined. */
const LARGE_STRICT = [300 * KiB, 200 * KiB, 700 * KiB, 5];
/** Small binary messages only: whole in a read, handed to the application as views of it. */
const SMALL = [100, 7, 1000, 33];

/** What message `i` carries (text is valid UTF-8, multi-byte characters included). */
function messageAt(sizes: readonly number[], i: number): Spec {
  const size = sizes[i % sizes.length]!;
  const text = sizes === MIXED && i % 3 === 2;
  const fragments = sizes === MIXED && i % sizes.length === 4 ? 3 : 1;
  if (text) {
    const unit = `message ${i}: é ✓ 😀 `;
    return { text, bytes: Buffer.from(unit.repeat(Math.ceil(size / unit.length)).slice(0, size)), fragments };
  }
  const bytes = Buffer.alloc(size);
  for (let j = 0; j < size; j++) bytes[j] = (i * 131 + j * 7 + (j >>> 8)) & 0xff;
  return { text, bytes, fragments };
}

/** The frames of message `i`: one, or `fragments` cut at even points. */
function framesOf({ text, bytes, fragments }: Spec): Buffer[] {
  if (fragments === 1) return [frame(text ? 0x1 : 0x2, bytes)];
  const step = Math.ceil(bytes.length / fragments);
  const frames: Buffer[] = [];
  for (let at = 0, n = 0; at < bytes.length; at += step, n++)
    frames.push(
      frame(n === 0 ? (text ? 0x1 : 0x2) : 0x0, bytes.subarray(at, at + step), at + step >= bytes.length),
    );
  return frames;
}

/**
 * Runs a client against a raw server that answers the handshake and then runs `serve`; returns
 * every message's content in order (text as strings, streamed messages collected). `atOnce`: a
 * consumer that takes each (strict, binary) message at once, so a read's events are all handled
 * during it; otherwise an asynchronous one, pausing every `slowEvery` messages so that events and
 * reads queue up behind it.
 */
async function keepEverything(
  serve: (socket: net.Socket) => void | Promise<void>,
  options: { atOnce?: boolean; slowEvery?: number; strictThreshold?: number } = {},
): Promise<(string | Uint8Array)[]> {
  const { atOnce, slowEvery, strictThreshold } = options;
  const server = await startRawServer((socket, request) => {
    socket.setNoDelay(true);
    socket.write(upgradeResponse(request.key));
    void serve(socket);
  });
  try {
    const kept: (string | Uint8Array)[] = [];
    let seen = 0;
    const [, done] = http.singleWebSocketRequest(
      WebSocketRequest.create(server.url()),
      Flow.fromSinkAndSourceMat(
        atOnce === true
          ? Sink.foreach<Message>((m) => {
              assert.ok(m.isStrict());
              kept.push(m.asBinaryMessage().getStrictData());
            })
          : Sink.foreachAsync<Message>(1, async (m) => {
              if (slowEvery !== undefined && ++seen % slowEvery === 0)
                await new Promise((r) => setTimeout(r, 5));
              if (m.isText()) {
                const t = m.asTextMessage();
                kept.push(t.isStrict() ? t.getStrictText() : (await t.toStrict(5000)).getStrictText());
              } else {
                const b = m.asBinaryMessage();
                kept.push(b.isStrict() ? b.getStrictData() : (await b.toStrict(5000)).getStrictData());
              }
            }),
        Source.maybe<Message>(),
        Keep.left,
      ),
      strictThreshold === undefined ? {} : { settings: { websocket: { strictThreshold } } },
    );
    await done;
    return kept;
  } finally {
    await server.close();
  }
}

async function receiveAll(
  sizes: readonly number[],
  count: number,
  options: { slowEvery?: number; strictThreshold?: number; expectStrict?: boolean } = {},
): Promise<void> {
  const kept = await keepEverything(
    (socket) => {
      // All at once: the client's reads fill its buffers, so it reads into its own memory.
      socket.write(
        Buffer.concat(Array.from({ length: count }, (_, i) => framesOf(messageAt(sizes, i))).flat()),
      );
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    },
    { ...options, atOnce: sizes === SMALL || options.expectStrict === true },
  );
  assert.equal(kept.length, count);
  for (let i = 0; i < count; i++) {
    const { text, bytes } = messageAt(sizes, i);
    const got = kept[i]!;
    if (text) assert.equal(got, bytes.toString("utf8"), `text message ${i}`);
    else assert.ok(Buffer.from(got as Uint8Array).equals(bytes), `binary message ${i} differs`);
  }
}

const READ = 64 * KiB;

function patterned(k: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let j = 0; j < length; j++) b[j] = (k * 17 + j + (j >>> 8)) & 0xff;
  return b;
}

/**
 * Sends each of `reads` in a write of its own, with a pause after each, so that the client's reads
 * match them: first a message that fills the transport's 16 KiB shared read buffer, so that the
 * 64 KiB reads after it go into the socket's own memory. Returns the binary messages after that
 * first one, as received (streamed ones collected), checked by the caller only at the end.
 */
async function receiveAlignedReads(reads: readonly Buffer[], strictThreshold: number): Promise<Uint8Array[]> {
  const kept = await keepEverything(
    async (socket) => {
      await pause(20);
      socket.write(frame(0x2, Buffer.alloc(16 * KiB - 4, 0xee)));
      for (const bytes of reads) {
        await pause(20);
        socket.write(bytes);
      }
      await pause(20);
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    },
    { strictThreshold },
  );
  return kept.slice(1) as Uint8Array[];
}

describe("received bytes stay as sent while the transport reads into reused memory", () => {
  it("strict, streamed and fragmented messages, kept by a fast consumer", async () => {
    await receiveAll(MIXED, 64);
  });

  it("the same with a consumer that pauses now and then", async () => {
    await receiveAll(MIXED, 40, { slowEvery: 4 });
  });

  it("small binary messages, each a view of the read that brought it", async () => {
    await receiveAll(SMALL, 4000);
  });

  it("strict messages above 256 KiB (a raised strictThreshold): kept as views of the reads, joined at the end", async () => {
    // Up to 256 KiB a strict message's memory is allocated at its header; above, only as its bytes arrive.
    await receiveAll(LARGE_STRICT, 24, { strictThreshold: 1024 * KiB, expectStrict: true });
  });

  it("a small binary message whole in a read whose other events are only gathered", async () => {
    // 64 KiB reads of [small message A, start of a strict message B] and [the rest of B]: each
    // has one message to hand out, so its events are all handled while it is delivered; A is a
    // view of the first, which must therefore not be read into again.
    const pairs = 12;
    const smallAt = (k: number) => Buffer.alloc(100, k + 1);
    const bigAt = (k: number) => patterned(k, 2 * READ - 100 - 2 - 10);
    const reads = Array.from({ length: pairs }, (_, k) => {
      const bytes = Buffer.concat([frame(0x2, smallAt(k)), frame(0x2, bigAt(k))]);
      return [bytes.subarray(0, READ), bytes.subarray(READ)];
    }).flat();
    const kept = await receiveAlignedReads(reads, 256 * KiB);
    assert.equal(kept.length, 2 * pairs);
    for (let k = 0; k < pairs; k++) {
      assert.ok(Buffer.from(kept[2 * k]!).equals(smallAt(k)), `small message ${k} differs`);
      assert.ok(Buffer.from(kept[2 * k + 1]!).equals(bigAt(k)), `large message ${k} differs`);
    }
  });

  it("a message above strictThreshold whole in one read, streamed from a view of it", async () => {
    const count = 8;
    const payloadAt = (k: number) => patterned(k, READ - 4); // a 4-byte header: one frame per read
    const kept = await receiveAlignedReads(
      Array.from({ length: count }, (_, k) => frame(0x2, payloadAt(k))),
      KiB,
    );
    assert.equal(kept.length, count);
    for (let k = 0; k < count; k++)
      assert.ok(Buffer.from(kept[k]!).equals(payloadAt(k)), `message ${k} differs`);
  });
});
