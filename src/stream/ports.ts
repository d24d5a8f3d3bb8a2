/**
 * Ports and handlers of a stage (Akka's GraphStage model). A port belongs to one stage logic of
 * one materialization; the interpreter wires an outlet to an inlet through a `Connection`, which
 * holds everything about the wire. The outlet is that connection itself: an outlet feeds the one
 * inlet it was wired to for its whole life (a bypass re-points the inlet downstream of it, never an
 * outlet), so the wire needs no object of its own. An inlet is only its name, its connection and
 * the next port of its stage: a graph lives as long as its WebSocket, and every port counts.
 */
import { Connection } from "./connection.js";

/** Reacts to an inlet's events. Defaults (in `GraphStageLogic`) complete or fail the stage. */
export interface InHandler {
  /** An element is available: `grab` it. */
  onPush(): void;
  /** Upstream completed; an element pushed before may still be available. */
  onUpstreamFinish?(): void;
  /** Upstream failed. */
  onUpstreamFailure?(error: unknown): void;
}

/** Reacts to an outlet's events. */
export interface OutHandler {
  /** Downstream wants one element: `push` it now or later. */
  onPull(): void;
  /** Downstream cancelled; `cause` is an error when it cancelled because of a failure. */
  onDownstreamFinish?(cause: unknown): void;
}

/**
 * An input port of type `T`. It takes elements in, so it is contravariant in `T` (an inlet of
 * `unknown` can stand where an inlet of `number` is wanted); `Inlet<never>` means "any inlet".
 */
export class Inlet<T> {
  /** @internal Set when the graph is wired; the port's state and handler live there. */
  connection: Connection | undefined = undefined;
  /** @internal The stage's next port, in creation order (see `GraphStageLogic`). */
  nextPort: Inlet<never> | Outlet<unknown> | undefined = undefined;
  declare readonly __accepts?: (element: T) => void;
  constructor(readonly name: string) {}
  toString(): string {
    return `Inlet(${this.name})`;
  }
}

/**
 * An output port of type `T` (covariant in `T`). Once wired it is also the wire's state (the
 * `Connection` it extends is internal).
 */
export class Outlet<T> extends Connection {
  /** @internal The stage's next port, in creation order (see `GraphStageLogic`). */
  nextPort: Inlet<never> | Outlet<unknown> | undefined = undefined;
  declare readonly __elem?: T;
  constructor(readonly name: string) {
    super();
  }
  /** @internal The wire, once the graph is wired: this outlet itself. */
  get connection(): Connection | undefined {
    return this.wired ? this : undefined;
  }
  override toString(): string {
    return `Outlet(${this.name})`;
  }
}
