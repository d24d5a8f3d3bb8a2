/**
 * The end-to-end benchmark's servers, run in their own process (their own core) on 127.0.0.1 and
 * treating every client alike:
 *
 * - echo: the `ws` server (with bufferutil, compression off), echoing every message; echoDeflate: the
 *   same with permessage-deflate (ws's defaults);
 * - blaster: a raw `net` server that answers the handshake itself, then writes `count` precomputed
 *   unmasked frames of `size` bytes as fast as the socket drains, then a Close (the client's receive path alone);
 * - sink: a raw `net` server that answers the handshake, counts the bytes it receives, and sends a
 *   Close once `bytes` arrived (the client's send path alone);
 * - raw: the same three over plain TCP with 4-byte length prefixes, the physical reference.
 *
 * Parameters travel in the request path: /blast?size=32&count=100000, /sink?bytes=1048576.
 * The parent gets the ports over IPC.
 */
import * as net from "node:net";
import { WebSocketServer } from "ws";
import { computeAcceptKey } from "../src/handshake/index.js";

function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Writes `count` copies of `unit` (batched), respecting back-pressure, then calls `done`. */
function blast(socket: net.Socket, unit: Buffer, count: number, done: () => void): void {
  const batch = Math.max(1, Math.floor(65536 / unit.length));
  const block = Buffer.concat(Array.from({ length: batch }, () => unit));
  let left = count;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(batch, left);
      left -= n;
      const ok = socket.write(n === batch ? block : block.subarray(0, n * unit.length));
      if (!ok) return void socket.once("drain", pump);
    }
    done();
  };
  pump();
}

function handshakeServer(onUpgrade: (socket: net.Socket, path: URL, rest: Buffer) => void): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      const text = head.subarray(0, end).toString("latin1");
      const key = /sec-websocket-key:\s*(\S+)/i.exec(text)?.[1] ?? "";
      const target = text.split(" ")[1] ?? "/";
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`,
      );
      onUpgrade(socket, new URL(target, "http://x"), head.subarray(end + 4));
    };
    socket.on("data", onData);
  });
}

const CLOSE_1000 = wsFrame(0x8, Buffer.from([0x03, 0xe8]));

const blaster = handshakeServer((socket, url) => {
  const size = Number(url.searchParams.get("size"));
  const count = Number(url.searchParams.get("count"));
  const text = url.searchParams.get("kind") === "text";
  const unit = wsFrame(text ? 0x1 : 0x2, Buffer.alloc(size, 0x61));
  // Keep reading (the client's Close) so its writes never block.
  socket.on("data", () => {});
  blast(socket, unit, count, () => socket.end(CLOSE_1000));
});

const sink = handshakeServer((socket, url, rest) => {
  const bytes = Number(url.searchParams.get("bytes"));
  let received = rest.length;
  let answered = false;
  const check = () => {
    if (!answered && received >= bytes) {
      answered = true;
      socket.end(CLOSE_1000);
    }
  };
  socket.on("data", (chunk: Buffer) => {
    received += chunk.length;
    check();
  });
  check();
});

/** Plain TCP, 4-byte length prefixes: echo, blast, sink, chosen by the first 9 bytes sent. */
const raw = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("error", () => {});
  socket.once("data", (first: Buffer) => {
    const mode = first[0];
    const a = first.readUInt32BE(1);
    const b = first.readUInt32BE(5);
    const rest = first.subarray(9);
    if (mode === 1) {
      // echo: bytes back as they come (the framing is the client's)
      if (rest.length) socket.write(rest);
      socket.on("data", (chunk: Buffer) => socket.write(chunk));
    } else if (mode === 2) {
      const unit = Buffer.alloc(4 + a, 0x61);
      unit.writeUInt32BE(a, 0);
      socket.on("data", () => {});
      blast(socket, unit, b, () => socket.end());
    } else {
      let received = rest.length;
      const total = a * 0x1_0000_0000 + b;
      const check = () => {
        if (received >= total) socket.end();
      };
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
        check();
      });
      check();
    }
  });
});

const echo = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  perMessageDeflate: false,
  maxPayload: 256 * 1024 * 1024,
});
echo.on("connection", (ws) =>
  ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })),
);

/**
 * The same echo with permessage-deflate (ws's defaults: messages from 1 KiB compressed, context
 * takeover where the client allows it), for the compressed echo rows.
 */
const echoDeflate = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  perMessageDeflate: { threshold: 1024 },
  maxPayload: 256 * 1024 * 1024,
});
echoDeflate.on("connection", (ws) =>
  ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })),
);

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
// Both wait on listeners attached now: the second may be listening before the first is.
await Promise.all(
  [echo, echoDeflate].map(
    (server) => new Promise<void>((resolve) => server.once("listening", () => resolve())),
  ),
);
const ports = {
  echo: (echo.address() as net.AddressInfo).port,
  echoDeflate: (echoDeflate.address() as net.AddressInfo).port,
  blaster: await listen(blaster),
  sink: await listen(sink),
  raw: await listen(raw),
};
process.send?.({ ports });
process.on("disconnect", () => process.exit(0));
