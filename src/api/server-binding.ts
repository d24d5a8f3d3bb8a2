/**
 * Server-side WebSockets (Akka's `handleWebSocketMessages`): `Http.get().newServerAt(host,
 * port).bindFlow(handler)` runs a `Flow<Message, Message, M>` per accepted connection. The
 * handler sees the request (path, headers, offered subprotocols) and returns a flow, an
 * acceptance with a chosen subprotocol, or a rejection with a status.
 */

import {
  listenForUpgrades,
  pendingUpgrade,
  type UpgradeEventListener,
  type UpgradeServer,
} from "../transport/index.js";
import { requireFunction } from "./argument-checks.js";
import {
  type ClientConnectionSettings,
  type PartialClientConnectionSettings,
  resolveSettings,
} from "./client-connection-settings.js";
import { UpgradeHandling } from "./upgrade-handling.js";
import type { HandlerErrorListener, WebSocketHandler } from "./websocket-handler.js";

/** A bound server. */
export interface ServerBinding {
  readonly localAddress: { readonly address: string; readonly port: number; readonly family: string };
  /** `ws://address:port/path` (brackets around IPv6). */
  url(path?: string): string;
  /** Connections currently open. */
  readonly connections: number;
  /**
   * Stops accepting, closes open connections with 1001 ("going away") and resolves once they are
   * gone (each bounded by `closeTimeout`).
   */
  unbind(): Promise<void>;
}

/** What every way of serving WebSockets takes: `newServerAt`, `webSocketUpgradeListener`, `ClientTransport.inMemory`. */
export interface ServerOptions {
  /** The server side's settings (limits, time-outs, keep-alive, `perMessageDeflate` …). */
  readonly settings?: PartialClientConnectionSettings;
  /** Told when a handler fails (the client gets a 500); default: `console.error`. */
  readonly onHandlerError?: HandlerErrorListener;
}

/** Where to bind, from `Http.newServerAt`. */
export class ServerBuilder {
  /** @internal */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly baseSettings: ClientConnectionSettings,
    private readonly options: ServerOptions & { tls?: { key: string | Buffer; cert: string | Buffer } } = {},
  ) {}

  /**
   * Binds and serves `handler`; resolves when listening, rejects with Node's error (EADDRINUSE …).
   * Throws `InvalidArgumentError` at once if `handler` is not a function.
   */
  bindFlow(handler: WebSocketHandler): Promise<ServerBinding> {
    requireFunction(handler, "a WebSocket handler");
    return this.bind(handler);
  }

  private async bind(handler: WebSocketHandler): Promise<ServerBinding> {
    const settings = resolveSettings(this.baseSettings, this.options.settings);
    const handling = new UpgradeHandling(handler, settings, this.options.onHandlerError);
    const server: UpgradeServer = await listenForUpgrades(
      { host: this.host, port: this.port, ...(this.options.tls ? { tls: this.options.tls } : {}) },
      (upgrade) => handling.handle(upgrade),
    );
    const scheme = this.options.tls ? "wss" : "ws";
    const hostForUrl = server.family === "IPv6" ? `[${server.address}]` : server.address;
    return {
      localAddress: { address: server.address, port: server.port, family: server.family },
      url: (path = "/") => `${scheme}://${hostForUrl}:${server.port}${path}`,
      get connections() {
        return handling.connections;
      },
      unbind: async () => {
        await handling.closeAll();
        await server.close();
      },
    };
  }
}

/** A listener for an `upgrade` event of your own Node http(s) server, with its connections' controls. */
export interface WebSocketUpgradeListener extends UpgradeEventListener {
  /** Connections currently open. */
  readonly connections: number;
  /** Stops accepting; closes open connections with 1001 and waits for them (each bounded by `closeTimeout`). */
  close(): Promise<void>;
}

/** Creates a {@link WebSocketUpgradeListener} for `server.on("upgrade", listener)`. */
export function createUpgradeListener(
  handler: WebSocketHandler,
  settings: ClientConnectionSettings,
  onHandlerError?: HandlerErrorListener,
): WebSocketUpgradeListener {
  const handling = new UpgradeHandling(handler, settings, onHandlerError);
  const listener = ((request, socket, head) =>
    handling.handle(pendingUpgrade(request, socket, head))) as UpgradeEventListener;
  // A getter, not Object.assign (which would copy today's count).
  Object.defineProperty(listener, "connections", { get: () => handling.connections });
  return Object.assign(listener, { close: () => handling.closeAll() }) as WebSocketUpgradeListener;
}
