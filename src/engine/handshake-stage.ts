/**
 * The client handshake stage (Akka's WebSocketClientBlueprint#handshake): sends the upgrade
 * request, reads the response, and then gets out of the way, passing bytes through both ways.
 * Bytes that arrived in the same chunk as the 101 are forwarded first: none is lost.
 *
 * A valid 101 resolves the outcome with the negotiated subprotocol and extensions. A regular
 * HTTP response (404, 401 …) or a 101 that breaks RFC 6455 §4.1 resolves it as invalid, with the
 * bounded body, and ends the message flow: the incoming side fails with `InvalidUpgradeError`.
 * The outcome rejects only when the connection itself failed or the response was not HTTP.
 */

import { ConnectionError, ConnectTimeoutError } from "../codec/index.js";
import {
  checkDeflateResponse,
  type DeflateFunctions,
  type DeflateOffer,
  negotiatedDeflate,
  PerMessageDeflate,
} from "../extensions/index.js";
import type { ExtensionOffer } from "../handshake/index.js";
import {
  HttpResponseParser,
  ResponseBodyReader,
  type ResponseHead,
  type ResponseHeadLimits,
  type UpgradeOffer,
  validateUpgradeResponse,
} from "../handshake/index.js";
import {
  type Deferred,
  deferred,
  GraphStageLogic,
  type Inlet,
  InPortHandler,
  type Outlet,
  OutPortHandler,
} from "../stream/index.js";
import type { ConnectionControls } from "./connection-controls.js";
import { HandshakeTimeoutError, InvalidUpgradeError } from "./engine-errors.js";

/** The result of the opening handshake. */
export type HandshakeOutcome =
  | {
      readonly valid: true;
      readonly head: ResponseHead;
      readonly subprotocol: string | undefined;
      readonly extensions: readonly ExtensionOffer[];
    }
  | {
      readonly valid: false;
      readonly head: ResponseHead;
      readonly body: Uint8Array;
      readonly bodyTruncated: boolean;
      readonly cause: string;
    };

/** What the handshake stage needs. */
export interface HandshakeSpec {
  readonly request: Uint8Array;
  readonly offer: UpgradeOffer;
  readonly limits: ResponseHeadLimits;
  readonly maxBodySize: number;
  readonly timeoutMs: number;
  /** For error messages: where we connected. */
  readonly host: string;
  readonly port: number;
  /**
   * permessage-deflate was offered (RFC 7692): how to compress, and from what size. If the server
   * accepts it, the connection compresses; an acceptance that breaks RFC 7692 fails the upgrade.
   */
  readonly perMessageDeflate?: {
    readonly functions: DeflateFunctions;
    readonly threshold: number;
    /** zlib's compression level; undefined: its default. */
    readonly level: number | undefined;
    readonly offer: DeflateOffer;
  };
}

enum Phase {
  SendRequest,
  AwaitResponse,
  ReadBody,
  Open,
  Done,
}

export class HandshakeStageLogic extends GraphStageLogic {
  readonly in1: Inlet<Uint8Array> = this.inlet<Uint8Array>("handshake.out.in");
  readonly out1: Outlet<Uint8Array> = this.outlet<Uint8Array>("handshake.out.out");
  readonly in2: Inlet<Uint8Array> = this.inlet<Uint8Array>("handshake.in.in");
  readonly out2: Outlet<Uint8Array> = this.outlet<Uint8Array>("handshake.in.out");
  readonly outcome: Deferred<HandshakeOutcome> = deferred<HandshakeOutcome>();
  /** The connection's controls (set as the layer is materialized): what is negotiated goes there. */
  controls: ConnectionControls | undefined = undefined;

  private phase = Phase.SendRequest;
  /** Dropped once the response head is parsed: an open connection keeps no handshake state. */
  private parser: HttpResponseParser | undefined;
  private body: ResponseBodyReader | undefined;
  private invalid: { head: ResponseHead; cause: string } | undefined;
  private leftover: Uint8Array | undefined;

  /** Dropped once open, like the parser: the request bytes and the offer are not needed any more. */
  private spec: HandshakeSpec | undefined;

  constructor(spec: HandshakeSpec) {
    super();
    this.spec = spec;
    this.parser = new HttpResponseParser(spec.limits);
    // Handlers call methods of this stage: no closures per port (a connection lives long).
    const H = HandshakeStageLogic.prototype;
    this.setHandler(
      this.in1,
      new InPortHandler(this, H.onOutgoingBytes, H.onOutgoingDone, H.onOutgoingFailed),
    );
    this.setHandler(this.out1, new OutPortHandler(this, H.onNetworkPull, H.cancelStage));
    this.setHandler(this.in2, new InPortHandler(this, H.onIncomingBytes, H.onNetworkEnd, H.abort));
    this.setHandler(this.out2, new OutPortHandler(this, H.onProtocolPull, H.onProtocolCancel));
  }

  private onOutgoingBytes(): void {
    this.push(this.out1, this.grab(this.in1));
    this.leaveGraph();
  }

  private onOutgoingDone(): void {
    this.complete(this.out1);
  }

  private onOutgoingFailed(error: unknown): void {
    this.fail(this.out1, error);
  }

  private onNetworkPull(): void {
    if (this.phase === Phase.SendRequest) {
      this.phase = Phase.AwaitResponse;
      this.push(this.out1, this.spec!.request);
    } else if (this.phase === Phase.Open) {
      this.pull(this.in1);
      this.leaveGraph();
    }
  }

  private onIncomingBytes(): void {
    this.receive(this.grab(this.in2));
    this.leaveGraph();
  }

  private onProtocolPull(): void {
    if (this.phase !== Phase.Open) return;
    if (this.leftover) {
      const bytes = this.leftover;
      this.leftover = undefined;
      this.push(this.out2, bytes);
    } else if (!this.isClosed(this.in2)) {
      this.pull(this.in2);
    } else {
      this.complete(this.out2);
    }
    this.leaveGraph();
  }

  /**
   * Once open, this stage only passes bytes through: it takes itself out of the graph at the first
   * event where both directions are at rest, so an open connection does not keep it (~1 KB).
   */
  private leaveGraph(): void {
    if (this.phase !== Phase.Open || this.leftover !== undefined) return;
    this.bypass([
      [this.in1, this.out1],
      [this.in2, this.out2],
    ]);
  }

  private onProtocolCancel(cause: unknown): void {
    this.cancel(this.in2, cause);
  }

  override preStart(): void {
    this.scheduleOnce("handshake", this.spec!.timeoutMs);
    // Demand for the response from the start, not once the request went out: a transport that
    // only pulls when its own downstream does (a `Flow.map` as an in-memory pipe) would otherwise
    // never take the request, each side waiting for the other.
    this.pull(this.in2);
  }

  protected override onTimer(): void {
    const spec = this.spec!;
    // The transport never took the request: connecting (TCP, TLS, a proxy's tunnel) timed out, not
    // the server's answer. The transport's own timer, of the same length, may fire first or not.
    this.abort(
      this.phase === Phase.SendRequest
        ? new ConnectTimeoutError(spec.host, spec.port, spec.timeoutMs)
        : new HandshakeTimeoutError(spec.timeoutMs),
    );
  }

  override postStop(): void {
    if (!this.outcome.settled)
      this.outcome.reject(
        new ConnectionError(this.spec!.host, this.spec!.port, "closed before the handshake completed"),
      );
  }

  private receive(chunk: Uint8Array): void {
    if (this.phase === Phase.Open) return this.push(this.out2, chunk);
    if (this.phase === Phase.ReadBody) {
      if (this.body!.push(chunk)) this.finishInvalid();
      else this.pull(this.in2);
      return;
    }
    const result = this.parser!.push(chunk);
    if (result.kind !== "incomplete") this.parser = undefined;
    if (result.kind === "incomplete") return this.pull(this.in2);
    if (result.kind === "error") return this.abort(result.error);
    const validation = validateUpgradeResponse(result.head, this.spec!.offer);
    const deflate = this.spec!.perMessageDeflate;
    const invalidCause = validation.valid
      ? deflate !== undefined
        ? checkDeflateResponse(validation.extensions, deflate.offer)
        : undefined
      : validation.cause;
    if (!validation.valid || invalidCause !== undefined) {
      this.invalid = { head: result.head, cause: invalidCause! };
      this.phase = Phase.ReadBody;
      this.body = new ResponseBodyReader(result.head, this.spec!.maxBodySize);
      if (this.body.complete || (result.rest.length > 0 && this.body.push(result.rest)))
        return this.finishInvalid();
      return this.pull(this.in2);
    }
    this.cancelTimer("handshake");
    this.phase = Phase.Open;
    this.spec = undefined;
    // Before any frame reaches the protocol (the leftover bytes go below).
    const negotiated = deflate !== undefined ? negotiatedDeflate(validation.extensions) : undefined;
    if (negotiated !== undefined)
      this.controls?.compressionNegotiated(
        new PerMessageDeflate(deflate!.functions, {
          threshold: deflate!.threshold,
          level: deflate!.level,
          peerWindowBits: negotiated.serverNoContextTakeover ? undefined : negotiated.serverMaxWindowBits,
        }),
      );
    this.controls = undefined;
    this.outcome.resolve({
      valid: true,
      head: result.head,
      subprotocol: validation.subprotocol,
      extensions: validation.extensions,
    });
    if (result.rest.length > 0) this.leftover = result.rest;
    if (this.isAvailable(this.out2)) {
      if (this.leftover) {
        const bytes = this.leftover;
        this.leftover = undefined;
        this.push(this.out2, bytes);
      } else {
        this.pull(this.in2);
      }
    }
    if (this.isAvailable(this.out1)) this.pull(this.in1);
  }

  private onNetworkEnd(): void {
    if (this.phase === Phase.Open) {
      if (!this.leftover) this.complete(this.out2);
      return;
    }
    if (this.phase === Phase.ReadBody) {
      this.body!.end();
      return this.finishInvalid();
    }
    this.abort(
      new ConnectionError(
        this.spec!.host,
        this.spec!.port,
        "the server closed the connection during the handshake",
      ),
    );
  }

  private finishInvalid(): void {
    const { head, cause } = this.invalid!;
    this.phase = Phase.Done;
    this.cancelTimer("handshake");
    const outcome: HandshakeOutcome = {
      valid: false,
      head,
      body: this.body!.body(),
      bodyTruncated: this.body!.truncated,
      cause,
    };
    this.outcome.resolve(outcome);
    const error = new InvalidUpgradeError(head.status, cause, outcome);
    this.fail(this.out2, error);
    this.cancel(this.in1, error);
    this.cancel(this.in2);
    this.complete(this.out1);
    this.completeStage();
  }

  private abort(error: unknown): void {
    this.phase = Phase.Done;
    if (!this.outcome.settled) this.outcome.reject(error);
    this.failStage(error);
  }
}
