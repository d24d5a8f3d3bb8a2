/**
 * The answer to the upgrade request (Akka's `WebSocketUpgradeResponse`): a `ValidUpgrade` (the 101,
 * with the chosen subprotocol, the accepted extensions and the live connection's controls) or an
 * `InvalidUpgradeResponse` (the regular HTTP response and the RFC 6455 §4.1 rule it broke).
 */
import { encodeClosePayload, InvalidArgumentError } from "../codec/index.js";
import type { CloseInfo, ConnectionControls, HandshakeOutcome } from "../engine/index.js";
import type { ExtensionOffer, HttpHeaders } from "../handshake/index.js";

/** The body of every 101 (empty, so it can be shared). */
const NO_BODY = new Uint8Array(0);
/** For ping payloads given as text (one encoder: making one costs ~10 µs). */
const pingEncoder = new TextEncoder();

/** The HTTP response to the upgrade request. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  /** Case-insensitive: `headers.get("content-type")`. */
  readonly headers: HttpHeaders;
  /** The body of a regular response, at most `parsing.maxBodySize` bytes (empty for a 101). */
  readonly body: Uint8Array;
  /** True when the body was longer and cut. */
  readonly bodyTruncated: boolean;
}

/** Either outcome of the upgrade. */
export abstract class WebSocketUpgradeResponse {
  /** The regular HTTP response is always there. */
  abstract readonly response: HttpResponse;
  /** Whether the connection was upgraded. */
  abstract readonly isValid: boolean;
  /** The subprotocol the server chose, if any. */
  abstract readonly chosenSubprotocol: string | undefined;
  /** The extensions the server accepted. */
  abstract readonly extensions: readonly ExtensionOffer[];
  /** Why the upgrade is invalid (undefined when valid). */
  abstract readonly invalidationReason: string | undefined;

  /** @internal */
  static from(outcome: HandshakeOutcome, controls: ConnectionControls): WebSocketUpgradeResponse {
    if (outcome.valid) {
      const { statusText, headers } = outcome.head;
      return new ValidUpgrade(statusText, headers, outcome.subprotocol, outcome.extensions, controls);
    }
    return new InvalidUpgradeResponse(
      httpResponse(outcome.head, outcome.body, outcome.bodyTruncated),
      outcome.cause,
    );
  }
}

/**
 * One literal, so every response shares one shape: built by spreading, each got a hidden class
 * of its own (~300 bytes kept for as long as the connection and its upgrade response live).
 */
function httpResponse(
  head: { status: number; statusText: string; headers: HttpHeaders },
  body: Uint8Array,
  bodyTruncated: boolean,
): HttpResponse {
  return { status: head.status, statusText: head.statusText, headers: head.headers, body, bodyTruncated };
}

/** A successful upgrade, with the live connection's controls. */
export class ValidUpgrade extends WebSocketUpgradeResponse {
  // Getters, not fields: nothing per instance (a ValidUpgrade lives as long as its connection).
  get isValid(): true {
    return true;
  }
  get invalidationReason(): undefined {
    return undefined;
  }

  /** Made when first asked for: most applications never read it, and this object lives long. */
  private responseMade: HttpResponse | undefined = undefined;

  /** @internal */
  constructor(
    private readonly statusText: string,
    private readonly headers: HttpHeaders,
    readonly chosenSubprotocol: string | undefined,
    readonly extensions: readonly ExtensionOffer[],
    private readonly controls: ConnectionControls,
  ) {
    super();
  }

  /** The 101 response (its body is always empty). */
  get response(): HttpResponse {
    return (this.responseMade ??= httpResponse(
      { status: 101, statusText: this.statusText, headers: this.headers },
      NO_BODY,
      false,
    ));
  }

  /**
   * Settles when the connection is closed, for normal closes too: the peer's code and reason and
   * whether the closing handshake completed (Akka loses the reason of a 1000/1001 close).
   */
  get closed(): Promise<CloseInfo> {
    return this.controls.closed;
  }

  /**
   * Starts the closing handshake with any valid code (e.g. an application's 4xxx) and reason.
   * Throws `InvalidArgumentError` at once for a code that may not be sent or a reason over 123 bytes.
   */
  close(code = 1000, reason = ""): void {
    encodeClosePayload(code, reason);
    this.controls.close(code, reason);
  }

  /** Sends a ping (at most 125 bytes); resolves with the round-trip time in ms when its pong arrives. */
  ping(payload: Uint8Array | string = new Uint8Array(0)): Promise<number> {
    const bytes = typeof payload === "string" ? pingEncoder.encode(payload) : payload;
    if (bytes.length > 125)
      throw new InvalidArgumentError(`ping payload of ${bytes.length} bytes; at most 125`);
    return this.controls.ping(bytes);
  }
}

/** The server answered with a regular HTTP response, or a 101 that breaks RFC 6455 §4.1. */
export class InvalidUpgradeResponse extends WebSocketUpgradeResponse {
  readonly isValid = false;
  readonly chosenSubprotocol = undefined;
  readonly extensions: readonly ExtensionOffer[] = [];

  /** @internal */
  constructor(
    readonly response: HttpResponse,
    /** Which rule the response broke, e.g. "expected status 101 Switching Protocols, got 404 Not Found". */
    readonly cause: string,
  ) {
    super();
  }

  get invalidationReason(): string {
    return this.cause;
  }
}
