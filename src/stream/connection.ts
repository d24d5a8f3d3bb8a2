/**
 * The wire between an outlet and an inlet, carrying at most one element and the demand for it.
 * State lives here, not in the stages, so `isAvailable`/`hasBeenPulled` are field reads; the
 * handlers and handler methods of both ends are cached here so the interpreter's loop reads
 * objects of one shape only (loads from the many stage classes would be megamorphic).
 *
 * Demand and elements each have two states, "requested" and "delivered": a stage sees demand
 * (`isAvailable(out)`) only once its `onPull` ran, and an element (`isAvailable(in)`) only once
 * its `onPush` ran, as in Akka. So no event can arrive for something already acted on.
 */
import type { GraphStageLogic } from "./graph-stage-logic.js";
import { InPortHandler, OutPortHandler } from "./port-handlers.js";
import type { InHandler, OutHandler } from "./ports.js";

function noop(): void {}

/**
 * An inlet's handlers for upstream's completion and failure, which run once in a connection's life.
 * The pairs are nearly always a stage class's methods, few in a program: each distinct pair is made
 * once and shared by every connection that uses it (one field per connection instead of two). The
 * table is bounded, as functions made per stage (closures) would grow it without end: past
 * `END_HANDLERS_SHARED` pairs, each connection gets its own.
 */
export class EndHandlers {
  constructor(
    readonly onFinish: (() => void) | undefined,
    readonly onFailure: ((error: unknown) => void) | undefined,
  ) {}
}

const DEFAULT_END = new EndHandlers(undefined, undefined);
const endHandlersByFinish = new Map<unknown, Map<unknown, EndHandlers>>();
const END_HANDLERS_SHARED = 512;
let endHandlersShared = 0;

function endHandlers(
  onFinish: (() => void) | undefined,
  onFailure: ((error: unknown) => void) | undefined,
): EndHandlers {
  if (onFinish === undefined && onFailure === undefined) return DEFAULT_END;
  let byFailure = endHandlersByFinish.get(onFinish);
  if (byFailure === undefined) {
    if (endHandlersShared >= END_HANDLERS_SHARED) return new EndHandlers(onFinish, onFailure);
    endHandlersByFinish.set(onFinish, (byFailure = new Map()));
  }
  let handlers = byFailure.get(onFailure);
  if (handlers === undefined) {
    handlers = new EndHandlers(onFinish, onFailure);
    if (endHandlersShared < END_HANDLERS_SHARED) {
      endHandlersShared++;
      byFailure.set(onFailure, handlers);
    }
  }
  return handlers;
}

// The connection's flags, bits of one number: a connection is long-lived (one per port pair of
// every stage of every open WebSocket), and seven boolean fields cost seven words.
const PULL_PENDING = 1;
const DEMAND = 2;
const PUSHED = 4;
const AVAILABLE = 8;
const OUT_CLOSED = 16;
const IN_CLOSED = 32;
const FINISH_DELIVERED = 64;
// The stage at each end counted its port as closed (its open-port count went down).
const IN_PORT_COUNTED = 128;
const OUT_PORT_COUNTED = 256;
/** Wired to an inlet (see `Outlet`, which is its own connection). */
const WIRED = 512;

/**
 * The failure or cancel cause of the connections that have one: a side table, not a field, since a
 * connection gets one at most once in its life and most never do (a field is a word in every
 * connection of every open WebSocket; four connections per WebSocket).
 */
const causes = new WeakMap<Connection, unknown>();

export class Connection {
  private flags = 0;

  /** @internal pull() called; onPull not delivered yet. */
  get pullPending(): boolean {
    return (this.flags & PULL_PENDING) !== 0;
  }
  /** @internal */
  set pullPending(on: boolean) {
    this.flags = on ? this.flags | PULL_PENDING : this.flags & ~PULL_PENDING;
  }
  /** @internal onPull delivered; not answered by push() yet. */
  get demand(): boolean {
    return (this.flags & DEMAND) !== 0;
  }
  /** @internal */
  set demand(on: boolean) {
    this.flags = on ? this.flags | DEMAND : this.flags & ~DEMAND;
  }
  /** @internal push() called; onPush not delivered yet. */
  get pushed(): boolean {
    return (this.flags & PUSHED) !== 0;
  }
  /** @internal */
  set pushed(on: boolean) {
    this.flags = on ? this.flags | PUSHED : this.flags & ~PUSHED;
  }
  /** @internal onPush delivered; not grabbed yet. */
  get available(): boolean {
    return (this.flags & AVAILABLE) !== 0;
  }
  /** @internal */
  set available(on: boolean) {
    this.flags = on ? this.flags | AVAILABLE : this.flags & ~AVAILABLE;
  }
  /** @internal Upstream completed or failed (the news may not have been delivered yet). */
  get outClosed(): boolean {
    return (this.flags & OUT_CLOSED) !== 0;
  }
  /** @internal */
  set outClosed(on: boolean) {
    this.flags = on ? this.flags | OUT_CLOSED : this.flags & ~OUT_CLOSED;
  }
  /** @internal Downstream cancelled. */
  get inClosed(): boolean {
    return (this.flags & IN_CLOSED) !== 0;
  }
  /** @internal */
  set inClosed(on: boolean) {
    this.flags = on ? this.flags | IN_CLOSED : this.flags & ~IN_CLOSED;
  }
  /** @internal The downstream side has been told of the completion or failure. */
  get finishDelivered(): boolean {
    return (this.flags & FINISH_DELIVERED) !== 0;
  }
  /** @internal */
  set finishDelivered(on: boolean) {
    this.flags = on ? this.flags | FINISH_DELIVERED : this.flags & ~FINISH_DELIVERED;
  }
  /** @internal
   * Whether a pull can be forwarded through this connection without asking its stage: nothing
   * pending or delivered either way, and both ends open (one test for the interpreter's loop).
   */
  get idle(): boolean {
    return (this.flags & (PULL_PENDING | DEMAND | PUSHED | AVAILABLE | OUT_CLOSED | IN_CLOSED)) === 0;
  }

  // Transitions of the hot path, each one write of the flags.
  /** @internal push(): demand answered, the element on its way. */
  markPushed(): void {
    this.flags = (this.flags & ~DEMAND) | PUSHED;
  }
  /** @internal onPush is being delivered: the element can be grabbed. */
  markPushDelivered(): void {
    this.flags = (this.flags & ~PUSHED) | AVAILABLE;
  }
  /** @internal onPull is being delivered (or the pull is dropped): no longer pending. */
  clearPullPending(): void {
    this.flags &= ~PULL_PENDING;
  }
  /** @internal A pull delivered: downstream waits for a push. */
  markDemand(): void {
    this.flags |= DEMAND;
  }
  /** @internal pull(): requested, on its way. */
  markPullPending(): void {
    this.flags |= PULL_PENDING;
  }
  /** @internal grab(): the element is taken. */
  markGrabbed(): void {
    this.flags &= ~AVAILABLE;
  }

  /** @internal
   * Marks the inlet's (`inSide`) or the outlet's end as counted closed by its stage; false if it
   * was already.
   */
  countPortClosed(inSide: boolean): boolean {
    const bit = inSide ? IN_PORT_COUNTED : OUT_PORT_COUNTED;
    if ((this.flags & bit) !== 0) return false;
    this.flags |= bit;
    return true;
  }

  /** @internal Whether the wire is connected (set by the materializer, cleared by a bypass). */
  get wired(): boolean {
    return (this.flags & WIRED) !== 0;
  }
  /** @internal */
  set wired(on: boolean) {
    this.flags = on ? this.flags | WIRED : this.flags & ~WIRED;
  }

  /** @internal The element in flight. */
  element: unknown = undefined;
  /** @internal
   * Why upstream failed, or why downstream cancelled (undefined for a plain cancel). One slot:
   * whichever end closes first is the only one whose news is delivered.
   */
  get cause(): unknown {
    return causes.get(this);
  }
  /** @internal */
  set cause(value: unknown) {
    if (value === undefined) causes.delete(this);
    else causes.set(this, value);
  }
  /** @internal
   * Set when the upstream stage's handler for this outlet is `LinearStageLogic`'s default
   * onPull, which only pulls its inlet: the connection that pull goes to.
   */
  forwardPullTo: Connection | undefined = undefined;
  /** @internal
   * The downstream stage, and its inlet's handler methods, which run with the stage as `this`
   * (see `setInHandler`). The stages are set when they attach (a port does not know its stage:
   * one field less per port).
   */
  inLogic: GraphStageLogic | undefined = undefined;
  /** @internal */
  onPush: () => void = noop;
  /** @internal What upstream's completion and failure call (each undefined: the default, complete or fail the stage). */
  onEnd: EndHandlers = DEFAULT_END;
  /** @internal The upstream stage, and its outlet's handler methods (run with the stage as `this`). */
  outLogic: GraphStageLogic | undefined = undefined;
  /** @internal */
  onPull: () => void = noop;
  /** @internal Undefined: the default (cancel the stage). */
  onCancel: ((cause: unknown) => void) | undefined = undefined;

  /** @internal Both ends open, nothing closed or closing. */
  get open(): boolean {
    return (this.flags & (OUT_CLOSED | IN_CLOSED | FINISH_DELIVERED)) === 0;
  }

  /** @internal
   * Takes over the downstream end of `next` (the connection out of a stage being bypassed): from
   * now on this connection's elements go where `next`'s went. Its own state stays: a pull on its
   * way up or an element on its way down is still valid, now for the new downstream. The
   * downstream stage's inlet is pointed here by the caller (`GraphStageLogic.bypass`).
   */
  joinDownstream(next: Connection): void {
    this.inLogic = next.inLogic;
    this.onPush = next.onPush;
    this.onEnd = next.onEnd;
  }

  /** @internal
   * Caches the handler's methods; the loop calls them with the stage (`inLogic`, set before) as
   * `this`. Nearly every handler is the stage itself or an `InPortHandler` of it, whose methods
   * are the stage's: nothing is kept but the methods. Any other handler object gets its methods
   * bound to it (a function each; such handlers are rare, and the stage would keep them anyway).
   */
  setInHandler(handler: InHandler): void {
    if (handler instanceof InPortHandler && handler.logic === this.inLogic) {
      this.onPush = handler.push;
      this.onEnd = endHandlers(handler.finish, handler.failure);
    } else if ((handler as unknown) === this.inLogic) {
      this.onPush = handler.onPush;
      this.onEnd = endHandlers(handler.onUpstreamFinish, handler.onUpstreamFailure);
    } else {
      this.onPush = handler.onPush.bind(handler);
      // Functions bound for this handler only: not shared, so not interned (the table would grow).
      this.onEnd = new EndHandlers(
        handler.onUpstreamFinish?.bind(handler),
        handler.onUpstreamFailure?.bind(handler),
      );
    }
  }

  /** @internal Caches the handler's methods, as `setInHandler` does; they run with `outLogic` as `this`. */
  setOutHandler(handler: OutHandler): void {
    if (handler instanceof OutPortHandler && handler.logic === this.outLogic) {
      this.onPull = handler.pull;
      this.onCancel = handler.cancel;
    } else if ((handler as unknown) === this.outLogic) {
      this.onPull = handler.onPull;
      this.onCancel = handler.onDownstreamFinish;
    } else {
      this.onPull = handler.onPull.bind(handler);
      this.onCancel = handler.onDownstreamFinish?.bind(handler);
    }
  }
}
