/**
 * The live connection's controls (`ValidUpgrade.closed`, `.close()`, `.ping()`), bound to the
 * protocol stage when it starts.
 */
import { InvalidStateError } from "../codec/index.js";
import type { MessageCompression } from "../protocol/index.js";
import { DeferredPromise } from "../stream/deferred.js";
import { type Deferred, deferred } from "../stream/index.js";

/** How the connection ended. `wasClean` when both Close frames were exchanged. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What the protocol stage does for the controls. */
export interface ControlHandler {
  closeFromControls(code: number | undefined, reason: string): void;
  pingFromControls(payload: Uint8Array, result: Deferred<number>): void;
  compressionNegotiated(compression: MessageCompression): void;
}

/**
 * Controls of one connection; calls before the stage starts are queued. They are the deferred
 * of the connection's `closed` promise themselves (one object fewer per open connection).
 */
export class ConnectionControls extends DeferredPromise<CloseInfo> {
  private handler: ControlHandler | undefined = undefined;
  private early: ((h: ControlHandler) => void)[] | undefined = undefined;
  /** Pings not answered yet: rejected when the connection closes, so none waits forever. */
  private outstanding: Set<Deferred<number>> | undefined = undefined;

  /** Settles when the connection is closed, normally or not (rejects only if it never opened). */
  get closed(): Promise<CloseInfo> {
    return this.promise;
  }

  /** @internal */
  bind(handler: ControlHandler): void {
    this.handler = handler;
    const early = this.early;
    this.early = undefined;
    if (early) for (const call of early) call(handler);
  }

  /** @internal */
  settleClosed(info: CloseInfo): void {
    this.resolve(info);
    this.rejectOutstanding();
  }

  /** @internal */
  failClosed(error: unknown): void {
    this.reject(error);
    this.rejectOutstanding();
  }

  /** Starts the closing handshake with `code` (default 1000) and `reason`. */
  close(code: number | undefined, reason: string): void {
    this.call((h) => h.closeFromControls(code, reason));
  }

  /** Sends a ping; resolves with the round-trip time in ms when its pong arrives. */
  ping(payload: Uint8Array): Promise<number> {
    const result = deferred<number>();
    if (this.settled) {
      result.reject(
        new InvalidStateError("cannot ping: the connection is closed", "WS_ERR_SEND_AFTER_CLOSE"),
      );
      return result.promise;
    }
    const outstanding = (this.outstanding ??= new Set());
    outstanding.add(result);
    const forget = () => outstanding.delete(result);
    result.promise.then(forget, forget);
    this.call((h) => h.pingFromControls(payload, result));
    return result.promise;
  }

  private rejectOutstanding(): void {
    const outstanding = this.outstanding;
    if (!outstanding || outstanding.size === 0) return;
    const error = new InvalidStateError(
      "the connection closed before the pong arrived",
      "WS_ERR_CONNECTION_CLOSED",
    );
    for (const ping of outstanding) ping.reject(error);
    outstanding.clear();
  }

  /** @internal The opening handshake negotiated per-message compression (before any frame arrives). */
  compressionNegotiated(compression: MessageCompression): void {
    this.call((h) => h.compressionNegotiated(compression));
  }

  private call(f: (h: ControlHandler) => void): void {
    if (this.handler) f(this.handler);
    else (this.early ??= []).push(f);
  }
}
