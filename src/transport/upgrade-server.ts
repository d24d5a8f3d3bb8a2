/**
 * An HTTP(S) server on a host and port whose only job is WebSocket upgrades: each `upgrade`
 * request is handed over with its socket; any other request gets 426 Upgrade Required.
 */
import type * as http from "node:http";
import type * as net from "node:net";
import type { Flow } from "../stream/index.js";
import { Tcp } from "./tcp.js";

/** Where and how to listen. */
export interface UpgradeServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Serve TLS (`wss:`) with this key and certificate. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** A listening server. */
export interface UpgradeServer {
  readonly address: string;
  readonly port: number;
  readonly family: string;
  /** Stops listening and destroys the sockets still open. */
  close(): Promise<void>;
}

/** An upgrade request, handed over with the means to answer it (no Node types leak out). */
export interface PendingUpgrade {
  readonly method: string;
  readonly httpVersion: string;
  readonly url: string;
  /** Header names and values, alternating, as received. */
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string;
  /** Whether the client went away already. */
  readonly closed: boolean;
  /** Sends a complete response (a rejection) and closes the connection. */
  respond(response: Uint8Array): void;
  /** Sends the 101 response head and returns the connection as a byte flow (materializable once). */
  accept(responseHead: string): Flow<Uint8Array, Uint8Array, unknown>;
  /** Drops the connection. */
  destroy(): void;
}

/** The arguments of a Node http(s) server's `upgrade` event. */
export type UpgradeEventListener = (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;

/** What is handed over for each upgrade request. */
export type UpgradeListener = (upgrade: PendingUpgrade) => void;

/**
 * Listens; resolves once bound, rejects with Node's error (EADDRINUSE …). Node's http(s) modules
 * are loaded here, on first use, not when the package is imported: a client never needs them (with
 * `tls`, loaded on the first `wss:` connection, they were a third of the bundle's import: 24 ms, now 16).
 */
export async function listenForUpgrades(
  options: UpgradeServerOptions,
  onUpgrade: UpgradeListener,
): Promise<UpgradeServer> {
  const handler: http.RequestListener = (_req, res) => {
    const body = "This is a WebSocket endpoint: connect with a WebSocket client.\n";
    res.writeHead(426, {
      "Content-Type": "text/plain; charset=utf-8",
      Upgrade: "websocket",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  const server = options.tls
    ? (await import("node:https")).createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : (await import("node:http")).createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    onUpgrade(pendingUpgrade(request, socket, head));
  });
  return await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        address: address.address,
        port: address.port,
        family: address.family,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Wraps an `upgrade` event's arguments (from any Node http or https server) so the WebSocket layer
 * can answer it without touching Node types.
 */
export function pendingUpgrade(
  request: http.IncomingMessage,
  socket: net.Socket,
  head: Buffer,
): PendingUpgrade {
  socket.on("error", () => {}); // a reset before the stream attached its own must not crash the process
  return {
    method: request.method ?? "",
    httpVersion: request.httpVersion,
    url: request.url ?? "/",
    rawHeaders: request.rawHeaders,
    remoteAddress: socket.remoteAddress ?? "",
    get closed() {
      return socket.destroyed;
    },
    respond: (response) => {
      if (!socket.destroyed) socket.end(response);
    },
    accept: (responseHead) => {
      socket.write(responseHead);
      return Tcp.fromSocket(socket, head);
    },
    destroy: () => socket.destroy(),
  };
}
