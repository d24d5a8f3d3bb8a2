/**
 * Server-side WebSockets (Akka's `handleWebSocketMessages`): `Http.get().newServerAt(host,
 * port).bindFlow(handler)` runs a `Flow<Message, Message, M>` per accepted connection. The
 * handler sees the request (path, headers, offered subprotocols) and returns a flow, an
 * acceptance with a chosen subprotocol, or a rejection with a status.
 */
import { type ConnectionControls, serverLayer } from "../engine/index.js";
import {
  HttpHeaders,
  renderRejection,
  renderUpgradeResponse,
  validateUpgradeRequest,
} from "../handshake/index.js";
import type { Message } from "../message/index.js";
import { type Flow, Keep } from "../stream/index.js";
import { listenForUpgrades, type PendingUpgrade, type UpgradeServer } from "../transport/index.js";
import {
  type ClientConnectionSettings,
  type PartialClientConnectionSettings,
  resolveSettings,
} from "./client-connection-settings.js";
import { engineSettingsFor } from "./engine-settings-for.js";

/** What the handler is told about a request. */
export interface WebSocketRequestInfo {
  /** The request target, e.g. "/chat?room=1". */
  readonly url: string;
  /** The path without the query. */
  readonly path: string;
  readonly headers: HttpHeaders;
  /** Subprotocols the client offered, in its order of preference. */
  readonly subprotocols: readonly string[];
  readonly remoteAddress: string;
}

/** Accept the connection with `flow`, choosing `subprotocol` (one of those offered). */
export class WebSocketAccept {
  constructor(
    readonly flow: Flow<Message, Message, unknown>,
    readonly subprotocol?: string,
  ) {}
}

/** Refuse the upgrade with an HTTP status (401, 403, 404 …), a reason and optional headers. */
export class WebSocketRejection {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: readonly (readonly [string, string])[] = [],
  ) {}
}

/** What a handler returns (or resolves to). */
export type WebSocketHandlerResult = Flow<Message, Message, unknown> | WebSocketAccept | WebSocketRejection;

/** Decides, per request, how to handle it. A thrown error or a rejected promise answers 500. */
export type WebSocketHandler = (
  request: WebSocketRequestInfo,
) => WebSocketHandlerResult | Promise<WebSocketHandlerResult>;

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

/** Where to bind, from `Http.newServerAt`. */
export class ServerBuilder {
  /** @internal */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly baseSettings: ClientConnectionSettings,
    private readonly options: {
      settings?: PartialClientConnectionSettings;
      tls?: { key: string | Buffer; cert: string | Buffer };
    } = {},
  ) {}

  /** Binds and serves `handler`; resolves when listening, rejects with Node's error (EADDRINUSE …). */
  async bindFlow(handler: WebSocketHandler): Promise<ServerBinding> {
    const settings = resolveSettings(this.baseSettings, this.options.settings);
    const layer = serverLayer(engineSettingsFor(settings, "server"));
    const open = new Set<{ controls: ConnectionControls; upgrade: PendingUpgrade }>();
    let accepting = true;

    const onUpgrade = (upgrade: PendingUpgrade) => {
      if (!accepting) return upgrade.destroy();
      const headers = new HttpHeaders(pairs(upgrade.rawHeaders));
      const validation = validateUpgradeRequest({
        method: upgrade.method,
        httpVersion: upgrade.httpVersion,
        headers,
      });
      if (!validation.valid) return reject(upgrade, validation.status, validation.reason, validation.headers);
      const url = upgrade.url;
      const info: WebSocketRequestInfo = {
        url,
        path: url.split("?")[0] ?? "/",
        headers,
        subprotocols: validation.subprotocols,
        remoteAddress: upgrade.remoteAddress,
      };
      Promise.resolve()
        .then(() => handler(info))
        .then(
          (result) => {
            if (result instanceof WebSocketRejection)
              return reject(upgrade, result.status, result.reason, result.headers);
            const accept = result instanceof WebSocketAccept ? result : new WebSocketAccept(result);
            if (accept.subprotocol !== undefined && !validation.subprotocols.includes(accept.subprotocol)) {
              return reject(
                upgrade,
                500,
                `the handler chose subprotocol ${accept.subprotocol}, which the client did not offer`,
              );
            }
            if (upgrade.closed) return;
            const bytes = upgrade.accept(renderUpgradeResponse(validation.key, accept.subprotocol));
            const controls = layer.joinMat(bytes, Keep.left).joinMat(accept.flow, Keep.left).run();
            const entry = { controls, upgrade };
            open.add(entry);
            const forget = () => open.delete(entry);
            controls.closed.then(forget, forget);
          },
          () => reject(upgrade, 500, "the WebSocket handler failed"),
        );
    };

    const server: UpgradeServer = await listenForUpgrades(
      { host: this.host, port: this.port, ...(this.options.tls ? { tls: this.options.tls } : {}) },
      onUpgrade,
    );
    const scheme = this.options.tls ? "wss" : "ws";
    const hostForUrl = server.family === "IPv6" ? `[${server.address}]` : server.address;
    return {
      localAddress: { address: server.address, port: server.port, family: server.family },
      url: (path = "/") => `${scheme}://${hostForUrl}:${server.port}${path}`,
      get connections() {
        return open.size;
      },
      unbind: async () => {
        accepting = false;
        const closing = [...open].map(async ({ controls, upgrade }) => {
          controls.close(1001, "server shutting down");
          const timeout = new Promise((r) => setTimeout(r, settings.websocket.closeTimeout + 100).unref());
          await Promise.race([controls.closed.catch(() => {}), timeout]);
          upgrade.destroy();
        });
        await Promise.all(closing);
        await server.close();
      },
    };
  }
}

function reject(
  upgrade: PendingUpgrade,
  status: number,
  reason: string,
  headers: readonly (readonly [string, string])[] = [],
): void {
  upgrade.respond(renderRejection(status, reason, headers, `${reason}\n`));
}

/** Node's flat raw header list as pairs. */
function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
