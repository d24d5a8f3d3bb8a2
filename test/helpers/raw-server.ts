/**
 * A raw TCP server on 127.0.0.1 that answers the WebSocket handshake itself (or not), for tests
 * that need bytes a real server would never send.
 */
import * as net from "node:net";
import { computeAcceptKey } from "../../src/handshake/index.js";

export interface RawServer {
  readonly port: number;
  url(path?: string): string;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** The request head as text, and its Sec-WebSocket-Key. */
export interface RawRequest {
  readonly head: string;
  readonly key: string;
  readonly rest: Buffer;
}

/** Starts a server calling `onRequest` once the request head arrived. */
export async function startRawServer(
  onRequest: (socket: net.Socket, request: RawRequest) => void,
): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      const head = buffered.subarray(0, end).toString("latin1");
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
      onRequest(socket, { head, key, rest: buffered.subarray(end + 4) });
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (path = "/") => `ws://127.0.0.1:${port}${path}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The 101 response for `key`. */
export function upgradeResponse(key: string, extraHeaders = ""): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n${extraHeaders}\r\n`;
}
