/**
 * The server's handling of upgrade requests, whatever brought them (a Node http server's upgrade
 * event, or the in-memory transport): validate, ask the handler, answer, negotiate compression,
 * and run each accepted connection's engine.
 */
import { InvalidArgumentError } from "../codec/index.js";
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
import { Keep } from "../stream/index.js";
import type { PendingUpgrade } from "../transport/index.js";
import type { ClientConnectionSettings } from "./client-connection-settings.js";
import { deflateSpec } from "./deflate-spec.js";
import { engineSettingsFor } from "./engine-settings-for.js";
import {
  type HandlerErrorListener,
  logHandlerError,
  WebSocketAccept,
  type WebSocketHandler,
  WebSocketRejection,
  type WebSocketRequestInfo,
} from "./websocket-handler.js";

/**
 * @internal Validates upgrade requests, asks the handler, and runs the accepted connections (for
 * `newServerAt`, the upgrade listener and the in-memory transport alike).
 */
export class UpgradeHandling {
  private readonly layer: ReturnType<typeof serverLayer>;
  private readonly engine: EngineSettings;
  /** permessage-deflate, when the settings enable it: clients' offers are then accepted. */
  private readonly deflate: HandshakeSpec["perMessageDeflate"];
  private readonly open = new Set<{ controls: ConnectionControls; upgrade: PendingUpgrade }>();
  private accepting = true;

  constructor(
    private readonly handler: WebSocketHandler,
    private readonly settings: ClientConnectionSettings,
    private readonly onHandlerError: HandlerErrorListener = logHandlerError,
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
            const reason = `the handler chose subprotocol ${accept.subprotocol}, which the client did not offer`;
            reject(upgrade, 500, reason);
            return this.onHandlerError(new InvalidArgumentError(reason), info);
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
        (error: unknown) => {
          reject(upgrade, 500, "the WebSocket handler failed");
          this.onHandlerError(error, info);
        },
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
