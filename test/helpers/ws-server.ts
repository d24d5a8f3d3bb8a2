/** A `ws` WebSocket server on 127.0.0.1 for interop tests, echoing by default. */
import type { IncomingMessage } from "node:http";
import { createServer } from "node:https";
import { after, before } from "node:test";
import { type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import { makeSelfSignedCert } from "./tls-cert.js";

export interface TestServer {
  readonly port: number;
  url(path?: string): string;
  readonly server: WebSocketServer;
  /** Requests seen, in order. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

/** Starts a server; `onConnection` replaces the default echo. */
export async function startWsServer(
  options: ServerOptions = {},
  onConnection: (ws: WebSocket, request: IncomingMessage) => void = echo,
): Promise<TestServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const requests: IncomingMessage[] = [];
  server.on("connection", (ws, request) => {
    requests.push(request);
    onConnection(ws, request);
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path = "/") => `ws://127.0.0.1:${port}${path}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every message with its kind. */
export function echo(ws: WebSocket): void {
  ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
}

/**
 * For a `describe` block: a `wss:` echo server with a fresh self-signed certificate for
 * "localhost", started before its tests and closed after them. `port` is set once it listens.
 */
export function wssEchoFixture(): { readonly cert: string; readonly port: number } {
  const { key, cert } = makeSelfSignedCert("localhost");
  const fixture = { cert, port: 0 };
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const server = await startWssEchoServer({ key, cert });
    fixture.port = server.port;
    close = server.close;
  });
  after(() => close?.());
  return fixture;
}

/** An echoing `wss:` server on 127.0.0.1 over node:https with the given certificate. */
export async function startWssEchoServer(tls: {
  key: string;
  cert: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const https = createServer(tls);
  const wss = new WebSocketServer({ server: https });
  wss.on("connection", echo);
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
  return {
    port: (https.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        https.closeAllConnections();
        https.close(() => r());
      }),
  };
}
