import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import { Flow, Keep, Sink, Source, Tcp } from "../../src/index.js";
import { type LentBytes, returnReadChunk } from "../../src/transport/index.js";

/** A server on 127.0.0.1 that echoes and closes when the client ends. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("Tcp.outgoingConnection", () => {
  it("materializes the connection's addresses, or empty ones with reportAddresses: false", async () => {
    const server = await echoServer();
    try {
      for (const reportAddresses of [true, false]) {
        const bytes = new Uint8Array([1, 2, 3]);
        const [connected, echoed] = Source.single(bytes)
          .viaMat(Tcp.outgoingConnection("127.0.0.1", server.port, { reportAddresses }), Keep.right)
          .toMat(Sink.seq<Uint8Array>(), Keep.both)
          .run();
        const addresses = await connected;
        if (reportAddresses) {
          assert.equal(addresses.remoteAddress, "127.0.0.1");
          assert.equal(addresses.remotePort, server.port);
          assert.equal(addresses.localAddress, "127.0.0.1");
          assert.ok(addresses.localPort > 0);
        } else {
          assert.deepEqual(
            { ...addresses },
            { localAddress: "", localPort: 0, remoteAddress: "", remotePort: 0 },
          );
        }
        const received = await echoed;
        assert.deepEqual([...received.flatMap((c) => [...c])], [1, 2, 3]);
      }
    } finally {
      await server.close();
    }
  });

  it("holds what arrives while downstream is slow, in order, and completes once it is drained", async () => {
    const total = 4 * 1024 * 1024;
    const server = net.createServer((socket) => {
      const all = new Uint8Array(total).map((_, i) => i % 251);
      // Uneven pieces, written as fast as the socket takes them, then the end.
      for (let at = 0, n = 1; at < total; at += n, n = (n * 7 + 3) % 70_000 || 1)
        socket.write(all.subarray(at, Math.min(total, at + n)));
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      let next = 0;
      let wrong = -1;
      const done = Source.maybe<Uint8Array>()
        .via(Tcp.outgoingConnection("127.0.0.1", port))
        .mapAsync(1, async (chunk: Uint8Array) => {
          // A consumer slower than the network: the stage has to hold chunks and pause the socket.
          await new Promise((resolve) => setImmediate(resolve));
          return chunk;
        })
        .toMat(
          Sink.foreach((chunk: Uint8Array) => {
            for (const b of chunk) if (b !== next++ % 251 && wrong < 0) wrong = next - 1;
          }),
          Keep.right,
        )
        .run();
      await done;
      assert.equal(wrong, -1, "bytes arrived in order");
      assert.equal(next, total);
    } finally {
      server.close();
    }
  });

  it("hands lent chunks back once written, and only those", async () => {
    const received: Buffer[] = [];
    const server = net.createServer((socket) => {
      socket.on("data", (d) => received.push(d));
      socket.on("end", () => socket.end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const lentChunks: Uint8Array[] = [new Uint8Array(100_000).fill(1), new Uint8Array(50_000).fill(2)];
      const ownChunk = new Uint8Array(10).fill(3);
      const released: Uint8Array[] = [];
      const lentBytes: LentBytes = {
        owns: (bytes) => lentChunks.includes(bytes),
        release: (bytes) => released.push(bytes),
      };
      await Source.from([lentChunks[0]!, ownChunk, lentChunks[1]!])
        .via(Tcp.outgoingConnection("127.0.0.1", port, { lentBytes }))
        .runWith(Sink.ignore());
      assert.deepEqual(released, lentChunks);
      const all = Buffer.concat(received);
      assert.equal(all.length, 150_010);
      assert.equal(all[0], 1);
      assert.equal(all[100_000], 3);
      assert.equal(all[100_010], 2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("hands lent chunks back when the connection dies before writing them", async () => {
    // A server that resets the connection once the first bytes arrive, with more on their way.
    const server = net.createServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const lent: Uint8Array[] = Array.from({ length: 40 }, () => new Uint8Array(256 * 1024));
      const released = new Set<Uint8Array>();
      const lentBytes: LentBytes = { owns: (b) => lent.includes(b), release: (b) => released.add(b) };
      const written = new Set<Uint8Array>();
      const done = Source.from(lent)
        .map((b) => {
          written.add(b);
          return b;
        })
        .via(Tcp.outgoingConnection("127.0.0.1", port, { lentBytes }))
        .runWith(Sink.ignore());
      await assert.rejects(done);
      await new Promise((r) => setTimeout(r, 50));
      // Every chunk the TCP stage took was handed back; one may still have been on its way to it.
      assert.ok(written.size > 0);
      for (const b of released) assert.ok(written.has(b));
      assert.ok(released.size >= written.size - 1, `${released.size} of ${written.size} released`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("batches a read's answers into one write where reads cause several, and sends a lone one at once", async () => {
    // The server sends three bytes in one write, and three more once all three are answered; the
    // client answers each byte with a chunk of its own.
    const answers: number[] = [];
    let answered!: () => void;
    const allAnswered = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.write(Uint8Array.of(1, 2, 3));
      socket.on("data", (data: Buffer) => {
        answers.push(...data);
        if (answers.length === 3) socket.write(Uint8Array.of(4, 5, 6));
        if (answers.length === 6) answered();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    // Node's socket writes, seen from the client's side only.
    const calls: string[] = [];
    const proto = net.Socket.prototype as unknown as {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    const { _write, _writev } = proto;
    proto._write = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) calls.push(`write of ${(args[0] as Uint8Array).length}`);
      return _write.apply(this, args);
    };
    proto._writev = function (this: net.Socket, chunks: unknown, ...rest: unknown[]) {
      if (this.remotePort === port) calls.push(`writev of ${(chunks as unknown[]).length}`);
      return _writev.call(this, chunks, ...rest);
    };
    try {
      const answer = Flow.create<Uint8Array>().mapConcat((chunk) =>
        [...chunk].map((b) => Uint8Array.of(b * 10)),
      );
      const closed = Tcp.outgoingConnection("127.0.0.1", port).join(answer.take(6)).run();
      await allAnswered;
      assert.deepEqual(answers, [10, 20, 30, 40, 50, 60]);
      // The first read: its first answer at once (as a lone one would be), the other two together
      // once it is delivered. The second read, after a read that caused several writes: one writev.
      const expected = ["write of 1", "writev of 2", "writev of 3"];
      // Bun's socket passes each writev on to its own write later, joined.
      const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
      assert.deepEqual(
        onBun ? calls.filter((c) => c.startsWith("writev") || c === "write of 1") : calls,
        expected,
      );
      await closed;
    } finally {
      proto._write = _write;
      proto._writev = _writev;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe("read memory", () => {
    const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
    const total = 8 * 1024 * 1024;
    const byteAt = (i: number) => (i * 31 + (i >>> 16)) & 0xff;

    /** A server that writes `total` patterned bytes at once, then ends. */
    async function blaster(): Promise<{ port: number; close(): Promise<void> }> {
      const all = new Uint8Array(total).map((_, i) => byteAt(i));
      const server = net.createServer((socket) => {
        socket.on("error", () => {});
        socket.end(all);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as net.AddressInfo).port;
      return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }

    const read = (port: number, onChunk: (chunk: Uint8Array) => void) =>
      Source.maybe<Uint8Array>()
        .via(Tcp.outgoingConnection("127.0.0.1", port))
        .runWith(Sink.foreach<Uint8Array>(onChunk));

    it("a chunk returned while it is delivered lends its memory to the next full read", async () => {
      const server = await blaster();
      try {
        let offset = 0;
        let wrong = -1;
        let previous: Uint8Array | undefined;
        let reusable = 0;
        let reused = 0;
        await read(server.port, (chunk) => {
          // Checked before it is returned: the memory holds the next read's bytes afterwards.
          for (let i = 0; i < chunk.length; i++)
            if (wrong < 0 && chunk[i] !== byteAt(offset + i)) wrong = offset + i;
          offset += chunk.length;
          if (previous !== undefined) {
            reusable++;
            if (chunk.buffer === previous.buffer) reused++;
          }
          // Only a full read of a socket's own 64 KiB buffer is read into again.
          previous = chunk.length === 65536 && chunk.buffer.byteLength === 65536 ? chunk : undefined;
          returnReadChunk(chunk);
        });
        assert.equal(wrong, -1, `byte ${wrong} differs`);
        assert.equal(offset, total);
        if (onBun) {
          // Bun reads through 'data' events (see `readsIntoChosenMemory`): nothing is read into again.
          assert.equal(reused, 0);
        } else {
          assert.ok(reusable > 0, "no full read of a socket's own buffer");
          assert.equal(reused, reusable);
        }
      } finally {
        await server.close();
      }
    });

    it("chunks kept (and returned too late) are never overwritten by later reads", async () => {
      const server = await blaster();
      try {
        const kept: Uint8Array[] = [];
        await read(server.port, (chunk) => {
          kept.push(chunk);
          // After delivery a return is ignored: the chunk's views may live on.
          queueMicrotask(() => returnReadChunk(chunk));
        });
        let offset = 0;
        let wrong = -1;
        for (const chunk of kept) {
          for (let i = 0; i < chunk.length; i++)
            if (wrong < 0 && chunk[i] !== byteAt(offset + i)) wrong = offset + i;
          offset += chunk.length;
        }
        assert.equal(wrong, -1, `byte ${wrong} differs`);
        assert.equal(offset, total);
        // The memory under them is distinct wherever it could have been read into again.
        const ownBuffers = kept.filter((c) => c.buffer.byteLength === 65536).map((c) => c.buffer);
        assert.equal(new Set(ownBuffers).size, ownBuffers.length);
      } finally {
        await server.close();
      }
    });
  });
});
