/**
 * Server-side WebSockets (Akka's `handleWebSocketMessages`): `Http.get().newServerAt(host,
 * port).bindFlow(handler)` runs a `Flow<Message, Message, M>` per accepted connection. The
 * handler sees the request (path, headers, offered subprotocols) and returns a flow, an
 * acceptance with a chosen subprotocol, or a rejection with a status.
 */
import {
  type ConnectionControls,
  type EngineSettings,
  type HandshakeSpec,
  serverLayer,
} from "../engine/index.js";
import { acceptDeflateOffer, type DeflateAcceptance, PerMessageDeflate } from "../extensions/index.js";
import {
  HttpHeaders,
  parseExtensions,
  renderRejection,
  renderUpgradeResponse,
  validateUpgradeRequest,
} from "../handshake/index.js";
import type { Message } from "../message/index.js";
import { type Flow, Keep } from "../stream/index.js";
import {
  listenForUpgrades,
  type PendingUpgrade,
  pendingUpgrade,
  type UpgradeEventListener,
  type UpgradeServer,
} from "../transport/index.js";
import {
  type ClientConnectionSettings,
  type PartialClientConnectionSettings,
  resolveSettings,
} from "./client-connection-settings.js";
import { deflateSpec } from "./deflate-spec.js";
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
    const handling = new UpgradeHandling(handler, settings);
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
): WebSocketUpgradeListener {
  const handling = new UpgradeHandling(handler, settings);
  const listener = ((request, socket, head) =>
    handling.handle(pendingUpgrade(request, socket, head))) as UpgradeEventListener;
  // A getter, not Object.assign (which would copy today's count).
  Object.defineProperty(listener, "connections", { get: () => handling.connections });
  return Object.assign(listener, { close: () => handling.closeAll() }) as WebSocketUpgradeListener;
}

/** Validates upgrade requests, asks the handler, and runs the accepted connections. */
class UpgradeHandling {
  private readonly layer: ReturnType<typeof serverLayer>;
  private readonly engine: EngineSettings;
  /** permessage-deflate, when the settings enable it: clients' offers are then accepted. */
  private readonly deflate: HandshakeSpec["perMessageDeflate"];
  private readonly open = new Set<{ controls: ConnectionControls; upgrade: PendingUpgrade }>();
  private accepting = true;

  constructor(
    private readonly handler: WebSocketHandler,
    private readonly settings: ClientConnectionSettings,
  ) {
    this.engine = engineSettingsFor(settings, "server");
    this.layer = serverLayer(this.engine);
    this.deflate = deflateSpec(settings.websocket.perMessageDeflate);
  }

  get connections(): number {
    return this.open.size;
  }

  handle(upgrade: PendingUpgrade): void {
    if (!this.accepting) return upgrade.destroy();
    const headers = new HttpHeaders(pairs(upgrade.rawHeaders));
    const validation = validateUpgradeRequest({
      method: upgrade.method,
      httpVersion: upgrade.httpVersion,
      headers,
    });
    if (!validation.valid) return reject(upgrade, validation.status, validation.reason, validation.headers);
    let deflate: DeflateAcceptance | undefined;
    if (this.deflate !== undefined) {
      const offered = headers.getAll("sec-websocket-extensions").join(", ");
      const offers = offered === "" ? [] : parseExtensions(offered);
      if (offers === undefined) return reject(upgrade, 400, "malformed Sec-WebSocket-Extensions header");
      deflate = acceptDeflateOffer(offers, this.deflate.functions.inflatesWithDictionary);
    }
    const info: WebSocketRequestInfo = {
      url: upgrade.url,
      path: upgrade.url.split("?")[0] ?? "/",
      headers,
      subprotocols: validation.subprotocols,
      remoteAddress: upgrade.remoteAddress,
    };
    Promise.resolve()
      .then(() => this.handler(info))
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
          const bytes = upgrade.accept(
            renderUpgradeResponse(
              validation.key,
              accept.subprotocol,
              deflate !== undefined ? [["Sec-WebSocket-Extensions", deflate.header]] : [],
            ),
          );
          const layer = deflate !== undefined ? this.compressingLayer(deflate) : this.layer;
          const controls = layer.joinMat(bytes, Keep.left).joinMat(accept.flow, Keep.left).run();
          const entry = { controls, upgrade };
          this.open.add(entry);
          const forget = () => this.open.delete(entry);
          controls.closed.then(forget, forget);
        },
        () => reject(upgrade, 500, "the WebSocket handler failed"),
      );
  }

  /** The layer of a connection whose upgrade accepted permessage-deflate. */
  private compressingLayer(agreed: DeflateAcceptance): ReturnType<typeof serverLayer> {
    const { functions, threshold, level } = this.deflate!;
    return serverLayer(
      this.engine,
      () =>
        new PerMessageDeflate(functions, {
          threshold,
          level,
          peerWindowBits: agreed.clientWindowBits,
          ownMaxWindowBits: agreed.serverMaxWindowBits,
        }),
    );
  }

  async closeAll(): Promise<void> {
    this.accepting = false;
    const closeTimeout = this.settings.websocket.closeTimeout;
    await Promise.all(
      [...this.open].map(async ({ controls, upgrade }) => {
        controls.close(1001, "server shutting down");
        const timeout = new Promise((r) => setTimeout(r, closeTimeout + 100).unref());
        await Promise.race([controls.closed.catch(() => {}), timeout]);
        upgrade.destroy();
      }),
    );
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
