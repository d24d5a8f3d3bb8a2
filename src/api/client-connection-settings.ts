/**
 * Client settings (Akka's `ClientConnectionSettings` and its `websocket` section), with the
 * defaults a user expects: no idle time-out and no keep-alive unless asked, sensible size limits,
 * connect and close time-outs of a few seconds. Every limit names its setting when exceeded.
 */
import { InvalidArgumentError, type RandomFill } from "../codec/index.js";
import { kindOf, requireFunction, requireOptional, requireOptions } from "./argument-checks.js";
import type { ClientTransport } from "./client-transport.js";

/** WebSocket-specific settings. */
export interface WebSocketSettings {
  /** Send a keep-alive frame after this many ms without traffic. Default: none. */
  readonly periodicKeepAliveMaxIdle: number | undefined;
  /** Keep-alive frame kind: "ping" (expects a pong) or an unsolicited "pong". Default "ping". */
  readonly periodicKeepAliveMode: "ping" | "pong";
  /** Payload of keep-alive frames (at most 125 bytes). Default: empty. */
  readonly periodicKeepAliveData: () => Uint8Array;
  /** With ping keep-alive: fail the connection (Close 1011) when no pong comes within this many ms. Default: none. */
  readonly keepAlivePongTimeout: number | undefined;
  /** Source of randomness for masking keys; default `crypto.getRandomValues`. Inject only for tests. */
  readonly randomFactory: RandomFill | undefined;
  /** Single-frame incoming messages up to this many bytes arrive strict. Default 64 KiB. */
  readonly strictThreshold: number;
  /** Largest accepted incoming frame (1009 beyond). Default 16 MiB. */
  readonly maxFrameSize: number;
  /** Largest accepted incoming message (1009 beyond). Default 64 MiB. */
  readonly maxMessageSize: number;
  /** Outgoing messages are cut into frames of at most this many bytes. Default 1 MiB. */
  readonly maxOutgoingFrameSize: number;
  /** How long to wait for the peer's Close (and the TCP close) after ours. Default 5 s. */
  readonly closeTimeout: number;
  /** How long a streamed incoming message may wait for its consumer before the connection fails. Default 5 s. */
  readonly streamedMessageTimeout: number;
  /** Log every frame: `true` to the console, or a function taking one line. Default false. */
  readonly logFrames: boolean | ((line: string) => void);
  /**
   * Offer permessage-deflate (RFC 7692): `true` for the defaults, or {@link PerMessageDeflateSettings}.
   * If the server accepts it, outgoing strict messages from the threshold on are compressed
   * (each on its own: no client context takeover) and compressed incoming ones decompressed.
   * On a server (`newServerAt`, `webSocketUpgradeListener`): accept clients' offers. Default
   * false. Streamed outgoing messages go uncompressed.
   */
  readonly perMessageDeflate: boolean | PerMessageDeflateSettings;
}

/** How permessage-deflate (RFC 7692) is offered and used. */
export interface PerMessageDeflateSettings {
  /** Outgoing messages shorter than this many bytes go uncompressed. Default 1024. */
  readonly threshold?: number;
  /**
   * zlib's compression level for outgoing messages, 0-9: lower is faster, higher smaller. Default
   * zlib's own (6). On 16 KiB of JSON, level 1 took 76 µs against 201 and made 16% more bytes.
   */
  readonly level?: number;
  /**
   * Client only: ask the server to compress each message on its own. By default the server may refer to its
   * earlier messages (context takeover), which compresses a stream of similar messages several
   * times better and costs the connection a copy of the server's window (up to 32 KiB, see
   * `serverMaxWindowBits`). Always asked for on a platform whose zlib cannot inflate with a
   * preset dictionary (Deno). Default false.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Client only: ask the server for a sliding window of at most 2^bits bytes (8-15): the memory each
   * connection keeps for the server's context, and what the server's compressor may use.
   * Default: not asked (the server's choice, up to 15).
   */
  readonly serverMaxWindowBits?: number;
}

/** Limits on the server's handshake response. */
export interface ResponseParsingSettings {
  /** Bytes of the response head. Default 16 KiB. */
  readonly maxHeadSize: number;
  /** Header lines. Default 100. */
  readonly maxHeaderCount: number;
  /** Bytes of one header line. Default 8 KiB. */
  readonly maxLineLength: number;
  /** Bytes of a non-101 response's body kept for `InvalidUpgradeResponse.response.body`. Default 64 KiB. */
  readonly maxBodySize: number;
}

/** Settings of client connections. */
export interface ClientConnectionSettings {
  /** Time to connect (TCP, TLS) and complete the opening handshake. Default 10 s. */
  readonly connectingTimeout: number;
  /** Fail the connection after this many ms without traffic. Default: none. */
  readonly idleTimeout: number | undefined;
  /** The User-Agent header; undefined sends none. Default "wsflow". */
  readonly userAgent: string | undefined;
  readonly websocket: WebSocketSettings;
  readonly parsing: ResponseParsingSettings;
  /**
   * How connections are made. Default: TCP, with TLS for `wss:`; `ClientTransport.httpsProxy(url)`
   * tunnels through an HTTP proxy.
   */
  readonly transport: ClientTransport | undefined;
}

/** Settings with any part left out. */
export type PartialClientConnectionSettings = Partial<
  Omit<ClientConnectionSettings, "websocket" | "parsing">
> & {
  readonly websocket?: Partial<WebSocketSettings>;
  readonly parsing?: Partial<ResponseParsingSettings>;
};

const EMPTY = new Uint8Array(0);

/** The defaults. */
export const defaultClientConnectionSettings: ClientConnectionSettings = Object.freeze({
  connectingTimeout: 10_000,
  idleTimeout: undefined,
  userAgent: "wsflow",
  websocket: Object.freeze({
    periodicKeepAliveMaxIdle: undefined,
    periodicKeepAliveMode: "ping" as const,
    periodicKeepAliveData: () => EMPTY,
    keepAlivePongTimeout: undefined,
    randomFactory: undefined,
    strictThreshold: 64 * 1024,
    maxFrameSize: 16 * 1024 * 1024,
    maxMessageSize: 64 * 1024 * 1024,
    maxOutgoingFrameSize: 1024 * 1024,
    closeTimeout: 5_000,
    streamedMessageTimeout: 5_000,
    logFrames: false,
    perMessageDeflate: false,
  }),
  parsing: Object.freeze({
    maxHeadSize: 16 * 1024,
    maxHeaderCount: 100,
    maxLineLength: 8 * 1024,
    maxBodySize: 64 * 1024,
  }),
  transport: undefined,
});

/** Overlays `overrides` on `base` and validates the result; throws {@link InvalidArgumentError}. */
export function resolveSettings(
  base: ClientConnectionSettings,
  overrides: PartialClientConnectionSettings | undefined,
): ClientConnectionSettings {
  if (overrides === undefined) return base; // already valid: nothing to merge or check
  requireOptions(overrides, "settings");
  requireOptions(overrides.websocket, "settings.websocket");
  requireOptions(overrides.parsing, "settings.parsing");
  const s: ClientConnectionSettings = {
    ...base,
    ...overrides,
    websocket: { ...base.websocket, ...overrides?.websocket },
    parsing: { ...base.parsing, ...overrides?.parsing },
  };
  positive("connectingTimeout", s.connectingTimeout);
  optionalPositive("idleTimeout", s.idleTimeout);
  const w = s.websocket;
  optionalPositive("websocket.periodicKeepAliveMaxIdle", w.periodicKeepAliveMaxIdle);
  optionalPositive("websocket.keepAlivePongTimeout", w.keepAlivePongTimeout);
  if (w.periodicKeepAliveMode !== "ping" && w.periodicKeepAliveMode !== "pong") {
    throw new InvalidArgumentError(
      `websocket.periodicKeepAliveMode must be "ping" or "pong", got ${String(w.periodicKeepAliveMode)}`,
    );
  }
  for (const key of [
    "strictThreshold",
    "maxFrameSize",
    "maxMessageSize",
    "maxOutgoingFrameSize",
    "closeTimeout",
    "streamedMessageTimeout",
  ] as const) {
    positive(`websocket.${key}`, w[key]);
  }
  checkPerMessageDeflate(w.perMessageDeflate);
  for (const key of ["maxHeadSize", "maxHeaderCount", "maxLineLength", "maxBodySize"] as const)
    positive(`parsing.${key}`, s.parsing[key]);
  requireOptional(s.userAgent, "string", "userAgent");
  if (s.userAgent !== undefined && /[\r\n\0]/.test(s.userAgent))
    throw new InvalidArgumentError("userAgent may not contain CR, LF or NUL");
  requireFunction(w.periodicKeepAliveData, "websocket.periodicKeepAliveData");
  requireOptional(w.randomFactory, "function", "websocket.randomFactory");
  if (typeof w.logFrames !== "boolean" && typeof w.logFrames !== "function")
    throw new InvalidArgumentError(
      `websocket.logFrames must be a boolean or a function, got ${kindOf(w.logFrames)}`,
    );
  if (s.transport !== undefined && typeof s.transport?.connectTo !== "function")
    throw new InvalidArgumentError(
      `transport must be a ClientTransport (ClientTransport.TCP, .unixSocket(path), .httpsProxy(proxy), .inMemory(handler)), got ${kindOf(s.transport)}`,
    );
  // Frozen like the defaults: what the engine derives from settings is cached per object.
  Object.freeze(s.websocket);
  Object.freeze(s.parsing);
  return Object.freeze(s);
}

function positive(name: string, value: number): void {
  if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
    throw new InvalidArgumentError(`setting ${name} must be a positive number, got ${String(value)}`);
  }
}

function optionalPositive(name: string, value: number | undefined): void {
  if (value !== undefined) positive(name, value);
}

function checkPerMessageDeflate(deflate: boolean | PerMessageDeflateSettings): void {
  if (typeof deflate === "boolean") return;
  if (typeof deflate !== "object" || deflate === null)
    throw new InvalidArgumentError(
      `websocket.perMessageDeflate must be true, false or an object of settings, got ${String(deflate)}`,
    );
  const { threshold, level, serverNoContextTakeover, serverMaxWindowBits } = deflate;
  if (threshold !== undefined && !(Number.isSafeInteger(threshold) && threshold >= 0))
    throw new InvalidArgumentError(
      `websocket.perMessageDeflate.threshold must be an integer >= 0, got ${String(threshold)}`,
    );
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9))
    throw new InvalidArgumentError(
      `websocket.perMessageDeflate.level must be an integer from 0 to 9, got ${String(level)}`,
    );
  if (serverNoContextTakeover !== undefined && typeof serverNoContextTakeover !== "boolean")
    throw new InvalidArgumentError(
      `websocket.perMessageDeflate.serverNoContextTakeover must be a boolean, got ${String(serverNoContextTakeover)}`,
    );
  if (
    serverMaxWindowBits !== undefined &&
    !(Number.isInteger(serverMaxWindowBits) && serverMaxWindowBits >= 8 && serverMaxWindowBits <= 15)
  )
    throw new InvalidArgumentError(
      `websocket.perMessageDeflate.serverMaxWindowBits must be an integer from 8 to 15, got ${String(serverMaxWindowBits)}`,
    );
}
