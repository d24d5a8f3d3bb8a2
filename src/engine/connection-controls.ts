/**
 * The live connection's controls (`ValidUpgrade.closed`, `.close()`, `.ping()`), bound to the
 * protocol stage when it starts.
 */
import { InvalidStateError } from "../codec/index.js";
import { type Deferred, deferred } from "../stream/index.js";

/** How the connection ended. `wasClean` when both Close frames were exchanged. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What the protocol stage does for the controls. */
export interface ControlHandler {
  close(code: number | undefined, reason: string): void;
  ping(payload: Uint8Array, result: Deferred<number>): void;
}

/** Controls of one connection; calls before the stage starts are queued. */
export class ConnectionControls {
  private handler: ControlHandler | undefined;
  private early: ((h: ControlHandler) => void)[] = [];
  private readonly closedDeferred = deferred<CloseInfo>();
  /** Pings not answered yet: rejected when the connection closes, so none waits forever. */
  private readonly outstanding = new Set<Deferred<number>>();

  /** Settles when the connection is closed, normally or not (rejects only if it never opened). */
  get closed(): Promise<CloseInfo> {
    return this.closedDeferred.promise;
  }

  /** @internal */
  bind(handler: ControlHandler): void {
    this.handler = handler;
    for (const call of this.early) call(handler);
    this.early = [];
  }

  /** @internal */
  settleClosed(info: CloseInfo): void {
    this.closedDeferred.resolve(info);
    this.rejectOutstanding();
  }

  /** @internal */
  failClosed(error: unknown): void {
    this.closedDeferred.reject(error);
    this.rejectOutstanding();
  }

  /** Starts the closing handshake with `code` (default 1000) and `reason`. */
  close(code: number | undefined, reason: string): void {
    this.call((h) => h.close(code, reason));
  }

  /** Sends a ping; resolves with the round-trip time in ms when its pong arrives. */
  ping(payload: Uint8Array): Promise<number> {
    const result = deferred<number>();
    if (this.closedDeferred.settled) {
      result.reject(
        new InvalidStateError("cannot ping: the connection is closed", "WS_ERR_SEND_AFTER_CLOSE"),
      );
      return result.promise;
    }
    this.outstanding.add(result);
    const forget = () => this.outstanding.delete(result);
    result.promise.then(forget, forget);
    this.call((h) => h.ping(payload, result));
    return result.promise;
  }

  private rejectOutstanding(): void {
    if (this.outstanding.size === 0) return;
    const error = new InvalidStateError(
      "the connection closed before the pong arrived",
      "WS_ERR_CONNECTION_CLOSED",
    );
    for (const ping of this.outstanding) ping.reject(error);
    this.outstanding.clear();
  }

  private call(f: (h: ControlHandler) => void): void {
    if (this.handler) f(this.handler);
    else this.early.push(f);
  }
}
