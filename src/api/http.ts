import { InvalidArgumentError, isArenaFrame, releaseFrame } from "../codec/index.js";
import { type ClientLayerMat, clientLayer, type HandshakeSpec } from "../engine/index.js";
import { deflateOfferHeader, PERMESSAGE_DEFLATE } from "../extensions/index.js";
import { generateWebSocketKey, renderUpgradeRequest } from "../handshake/index.js";
import type { Message } from "../message/index.js";
import { AlreadyMaterializedError, BidiFlow, Flow, Keep } from "../stream/index.js";
import {
  type LentBytes,
  type OutgoingConnection,
  type OutgoingConnectionOptions,
  Tcp,
  type TlsOptions,
} from "../transport/index.js";
import {
  kindOf,
  requireBlueprint,
  requireFunction,
  requireInstance,
  requireOptional,
  requireOptions,
} from "./argument-checks.js";
import {
  type ClientConnectionSettings,
  defaultClientConnectionSettings,
  type PartialClientConnectionSettings,
  resolveSettings,
} from "./client-connection-settings.js";
import { isTcpTransport } from "./client-transport.js";
import { deflateSpec } from "./deflate-spec.js";
import { engineSettingsFor } from "./engine-settings-for.js";
import {
  createUpgradeListener,
  ServerBuilder,
  type ServerOptions,
  type WebSocketUpgradeListener,
} from "./server-binding.js";
import type { WebSocketHandler } from "./websocket-handler.js";
import { WebSocketRequest } from "./websocket-request.js";
import { WebSocketUpgradeResponse } from "./websocket-upgrade-response.js";

const OFFERED_DEFLATE: readonly string[] = Object.freeze([PERMESSAGE_DEFLATE]);

/** The frame arena's frames, as bytes lent to the TCP transport (handed back once written). */
const ARENA_FRAMES: LentBytes = { owns: isArenaFrame, release: releaseFrame };

/** Per-call options. */
export interface WebSocketClientOptions {
  /** Settings for this connection, over the instance's defaults. */
  readonly settings?: PartialClientConnectionSettings;
  /** TLS options for `wss:` (CA, client certificate, `rejectUnauthorized`, `servername` …). */
  readonly tls?: TlsOptions;
  readonly localAddress?: string;
  /** A custom name resolver for the host (`dns.lookup`'s signature). */
  readonly lookup?: OutgoingConnectionOptions["lookup"];
  /** Aborts the connect, the handshake, or the open connection. */
  readonly signal?: AbortSignal;
  /**
   * The byte transport to use instead of TCP/TLS to the URL's host (a proxy tunnel, an in-memory
   * pipe …). `webSocketClientLayer` is the way to bring your own; this is the shortcut.
   */
  readonly transport?: Flow<Uint8Array, Uint8Array, unknown>;
}

/** The client's BidiFlow: messages on top, bytes below. */
export type WebSocketClientLayer = BidiFlow<
  Message,
  Uint8Array,
  Uint8Array,
  Message,
  Promise<WebSocketUpgradeResponse>
>;

export class Http {
  private static defaultInstance: Http | undefined;

  private constructor(readonly settings: ClientConnectionSettings) {}

  /** The default instance. */
  static get(): Http {
    Http.defaultInstance ??= new Http(defaultClientConnectionSettings);
    return Http.defaultInstance;
  }

  /** An instance with its own default settings; throws `InvalidArgumentError` for invalid ones. */
  static create(defaults?: PartialClientConnectionSettings): Http {
    return new Http(resolveSettings(defaultClientConnectionSettings, defaults));
  }

  /**
   * Connects `clientFlow` to a WebSocket at `request` and starts it right away. Returns the upgrade
   * response (resolves on a 101 and on a regular HTTP response such as 404; rejects only when the
   * connection failed) and `clientFlow`'s materialized value.
   */
  singleWebSocketRequest<M>(
    request: WebSocketRequest,
    clientFlow: Flow<Message, Message, M>,
    options: WebSocketClientOptions = {},
  ): [Promise<WebSocketUpgradeResponse>, M] {
    // webSocketClientFlow checks the request and options (once per connection, not twice).
    const connection = this.webSocketClientFlow(request, options);
    requireBlueprint(
      clientFlow,
      "Flow",
      "clientFlow",
      "a Flow of messages, e.g. Flow.fromSinkAndSource(sink, source)",
    );
    return connection.joinMat(clientFlow, Keep.both).run();
  }

  /**
   * A `Flow` of messages to and from the WebSocket at `request`; it materializes the upgrade
   * response. Each call gives a flow that can be materialized once.
   */
  webSocketClientFlow(
    request: WebSocketRequest,
    options: WebSocketClientOptions = {},
  ): Flow<Message, Message, Promise<WebSocketUpgradeResponse>> {
    checkClientCall(request, options);
    const settings = resolveSettings(this.settings, options.settings);
    const { uri } = request;
    // Over its own TCP transport, which hands written frames back, the client builds large frames
    // in the frame arena; any other transport gets frames it may keep.
    const ownTransport =
      options.transport === undefined &&
      (settings.transport === undefined || isTcpTransport(settings.transport));
    const connectOptions = {
      ...(uri.secure ? { tls: options.tls ?? {} } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      connectingTimeout: settings.connectingTimeout,
      reportAddresses: false, // the upgrade response does not carry them
      // Large frames are built in the frame arena and handed back once written.
      ...(ownTransport ? { lentBytes: ARENA_FRAMES } : {}),
    };
    const transport =
      options.transport ??
      settings.transport?.connectTo(uri.host, uri.port, connectOptions) ??
      Tcp.outgoingConnection(uri.host, uri.port, connectOptions);
    requireBlueprint(transport, "Flow", "what the transport's connectTo returned", "a Flow of bytes");
    const flow = this.clientLayer(request, settings, ownTransport).joinMat(
      transport as Flow<Uint8Array, Uint8Array, Promise<OutgoingConnection> | unknown>,
      (upgrade, connected) => {
        // A connection failure rejects `connected` and, with the same error, the upgrade.
        if (connected instanceof Promise) connected.catch(() => {});
        return upgrade;
      },
    );
    let materialized = false;
    return new Flow((ctx) => {
      if (materialized) {
        throw new AlreadyMaterializedError(
          "a webSocketClientFlow can be materialized only once: call webSocketClientFlow again for a new connection",
        );
      }
      materialized = true;
      return flow.build(ctx);
    });
  }

  /**
   * A server for WebSocket connections on `host:port` (0 for a free port); `bindFlow(handler)` runs a
   * `Flow<Message, Message>` per connection (Akka's `handleWebSocketMessages`). See docs/server.md.
   */
  newServerAt(
    host: string,
    port: number,
    options: ServerOptions & { tls?: { key: string | Buffer; cert: string | Buffer } } = {},
  ): ServerBuilder {
    if (typeof host !== "string" || host === "")
      throw new InvalidArgumentError(`host must be a non-empty string, got ${kindOf(host)}`);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new InvalidArgumentError(
        `port must be a number, an integer from 0 to 65535, got ${kindOf(port)}`,
      );
    requireOptions(options, "options");
    requireOptional(options.tls, "object", "options.tls");
    requireOptional(options.onHandlerError, "function", "options.onHandlerError");
    return new ServerBuilder(host, port, this.settings, options);
  }

  /**
   * A listener for the `upgrade` event of your own Node http or https server, running `handler`'s
   * flow per connection: `server.on("upgrade", Http.get().webSocketUpgradeListener(handler))`.
   */
  webSocketUpgradeListener(handler: WebSocketHandler, options: ServerOptions = {}): WebSocketUpgradeListener {
    requireFunction(handler, "a WebSocket handler");
    requireOptions(options, "options");
    requireOptional(options.onHandlerError, "function", "options.onHandlerError");
    return createUpgradeListener(
      handler,
      resolveSettings(this.settings, options.settings),
      options.onHandlerError,
    );
  }

  /**
   * The whole client protocol, handshake included, as a BidiFlow detached from any transport:
   * join it with TCP, TLS, a proxy tunnel or an in-memory pipe. Each materialization sends a new
   * request with a fresh key.
   */
  webSocketClientLayer(
    request: WebSocketRequest,
    options: WebSocketClientOptions = {},
  ): WebSocketClientLayer {
    checkClientCall(request, options);
    return this.clientLayer(request, resolveSettings(this.settings, options.settings), false);
  }

  private clientLayer(
    request: WebSocketRequest,
    settings: ClientConnectionSettings,
    frameArena: boolean,
  ): WebSocketClientLayer {
    const engine = engineSettingsFor(settings, "client", frameArena);
    return new BidiFlow((ctx) => {
      const key = generateWebSocketKey(settings.websocket.randomFactory);
      const headers: [string, string][] = request.headers.map((h) => [h.name, h.value]);
      const deflate = deflateSpec(settings.websocket.perMessageDeflate);
      const spec: HandshakeSpec = {
        request: renderUpgradeRequest({
          uri: request.uri,
          key,
          subprotocols: request.subprotocols,
          ...(settings.userAgent !== undefined ? { userAgent: settings.userAgent } : {}),
          ...(deflate !== undefined ? { extensions: deflateOfferHeader(deflate.offer) } : {}),
          headers,
        }),
        offer: {
          key,
          subprotocols: request.subprotocols,
          extensions: deflate !== undefined ? OFFERED_DEFLATE : [],
        },
        limits: settings.parsing,
        maxBodySize: settings.parsing.maxBodySize,
        timeoutMs: settings.connectingTimeout,
        host: request.uri.host,
        port: request.uri.port,
        ...(deflate !== undefined ? { perMessageDeflate: deflate } : {}),
      };
      const ports = clientLayer(spec, engine).build(ctx);
      return { ...ports, mat: upgradeResponse(ports.mat) };
    });
  }
}

/** The request and options of a client call, checked before anything is built (see argument-checks.ts). */
function checkClientCall(request: unknown, options: WebSocketClientOptions): void {
  requireInstance(
    request,
    WebSocketRequest,
    "request",
    "a WebSocketRequest, e.g. WebSocketRequest.create(url)",
  );
  requireOptions(options, "options");
  const { transport, signal, lookup, localAddress, tls } = options;
  if (transport !== undefined) {
    requireBlueprint(
      transport,
      "Flow",
      "options.transport",
      "a Flow of bytes (a ClientTransport goes in the settings: Http.create({ transport }))",
    );
  }
  if (signal !== undefined) requireInstance(signal, AbortSignal, "options.signal", "an AbortSignal");
  requireOptional(lookup, "function", "options.lookup");
  requireOptional(localAddress, "string", "options.localAddress");
  requireOptional(tls, "object", "options.tls");
}

function upgradeResponse(mat: ClientLayerMat): Promise<WebSocketUpgradeResponse> {
  const response = mat.outcome.then((outcome) => WebSocketUpgradeResponse.from(outcome, mat.controls));
  response.catch(() => {}); // a failure nobody awaits is not an unhandled rejection
  return response;
}
