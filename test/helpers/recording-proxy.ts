/**
 * A TCP proxy on 127.0.0.1 that passes bytes both ways unchanged and records what each side sent:
 * the frames on the wire, seen without reaching into a server library's internals (which differ
 * between runtimes: Bun, for one, ships its own `ws`).
 */
import * as net from "node:net";

export interface RecordingProxy {
  url(path?: string): string;
  /** Everything the client sent on each connection, in order (the handshake head included). */
  readonly sent: Uint8Array[][];
  /** Everything the server sent on each connection, in order (the handshake head included). */
  readonly received: Uint8Array[][];
  close(): Promise<void>;
}

/** Starts a proxy forwarding each connection to `targetPort` on 127.0.0.1. */
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const sockets = new Set<net.Socket>();
  const sent: Uint8Array[][] = [];
  const received: Uint8Array[][] = [];
  const server = net.createServer((client) => {
    const chunks: Uint8Array[] = [];
    sent.push(chunks);
    const replies: Uint8Array[] = [];
    received.push(replies);
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("data", (chunk: Buffer) => chunks.push(new Uint8Array(chunk)));
    upstream.on("data", (chunk: Buffer) => replies.push(new Uint8Array(chunk)));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (path = "/") => `ws://127.0.0.1:${port}${path}`,
    sent,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The bytes after the HTTP head (the frames), of one connection's recorded chunks. */
export function afterHead(chunks: readonly Uint8Array[]): Uint8Array {
  const all = Buffer.concat(chunks);
  const end = all.indexOf("\r\n\r\n");
  if (end === -1) throw new Error("no complete HTTP head was sent");
  return new Uint8Array(all.subarray(end + 4));
}
