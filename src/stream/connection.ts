/**
 * The wire between an outlet and an inlet, carrying at most one element and the demand for it.
 * State lives here, not in the stages, so `isAvailable`/`hasBeenPulled` are field reads; the
 * stage states, handlers and handler methods of both ends are cached here so the interpreter's
 * loop reads objects of one shape only (loads from the many stage classes would be megamorphic).
 *
 * Demand and elements each have two states, "requested" and "delivered": a stage sees demand
 * (`isAvailable(out)`) only once its `onPull` ran, and an element (`isAvailable(in)`) only once
 * its `onPush` ran, as in Akka. So no event can arrive for something already acted on.
 */
import type { GraphInterpreter } from "./graph-interpreter.js";
import type { StageState } from "./graph-stage-logic.js";
import type { InHandler, Inlet, OutHandler, Outlet } from "./ports.js";

function noop(): void {}

export class Connection {
  /** pull() called; onPull not delivered yet. */
  pullPending = false;
  /** onPull delivered; not answered by push() yet. */
  demand = false;
  /** push() called; onPush not delivered yet. */
  pushed = false;
  /** onPush delivered; not grabbed yet. */
  available = false;
  /** The element in flight. */
  element: unknown = undefined;
  /** Upstream completed or failed (the news may not have been delivered yet). */
  outClosed = false;
  /** Downstream cancelled. */
  inClosed = false;
  /** The downstream side has been told of the completion or failure. */
  finishDelivered = false;
  /** Why upstream failed. */
  failure: unknown = undefined;
  /** Why downstream cancelled (undefined for a plain cancel). */
  cancelCause: unknown = undefined;
  /**
   * Set when the upstream stage's handler for this outlet is `LinearStageLogic`'s default
   * onPull, which only pulls its inlet: the connection that pull goes to.
   */
  forwardPullTo: Connection | undefined = undefined;
  /** The interpreter running both ends (set when the graph starts). */
  interpreter: GraphInterpreter | undefined = undefined;
  /** The downstream stage's state, its inlet's handler, and that handler's onPush. */
  readonly inState: StageState;
  inHandler: InHandler | undefined = undefined;
  onPush: () => void = noop;
  /** The upstream stage's state, its outlet's handler, and that handler's onPull. */
  readonly outState: StageState;
  outHandler: OutHandler | undefined = undefined;
  onPull: () => void = noop;

  constructor(
    readonly from: Outlet<unknown>,
    readonly to: Inlet<never>,
  ) {
    this.inState = to.owner.state;
    this.outState = from.owner.state;
  }

  /** Caches the handler and its method: the loop calls `onPush.call(inHandler)`. */
  setInHandler(handler: InHandler): void {
    this.inHandler = handler;
    this.onPush = handler.onPush;
  }

  /** Caches the handler and its method: the loop calls `onPull.call(outHandler)`. */
  setOutHandler(handler: OutHandler): void {
    this.outHandler = handler;
    this.onPull = handler.onPull;
  }
}
