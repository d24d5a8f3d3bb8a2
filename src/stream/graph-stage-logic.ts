/**
 * The base of every stage: ports, the push/pull protocol, completion, timers and async
 * callbacks (Akka's GraphStageLogic). Write a stage by extending it: create ports with
 * {@link GraphStageLogic.inlet} / {@link GraphStageLogic.outlet}, give each a handler with
 * {@link GraphStageLogic.setHandler}, and call `push`, `pull`, `grab`, `complete`, `fail`,
 * `cancel` from the handlers. Handlers run one at a time, never re-entrantly; an exception
 * thrown from one fails the stage (never the process). See docs/streams.md.
 */
import type { Connection } from "./connection.js";
import { CANCEL, COMPLETE, FAIL, interpreter, PULL, PUSH } from "./graph-interpreter.js";
import { type InHandler, Inlet, type OutHandler, Outlet } from "./ports.js";
import { IllegalStageStateError } from "./stream-errors.js";

// A stage's yes/no states and open-port count, bits of its `stageBits`.
const STOPPED = 1;
const KEEP_GOING = 2;
/** The graph has started: events and async calls go to the interpreter. */
const ATTACHED = 4;
/** The open-port count is held above the flag bits. */
const PORT_SHIFT = 3;
const ONE_PORT = 1 << PORT_SHIFT;

/**
 * What a stage needs only for a while or rarely: its handlers until the graph starts, timers, async
 * events before the start, the failure. Made on first use and dropped once empty: four fields fewer
 * in every stage of every graph (a connection's graph lives long).
 */
class StageExtras {
  /** The handlers set before the graph starts, in port order; then they go to the connections. */
  handlers: (InHandler | OutHandler | undefined)[] | undefined = undefined;
  /** The scheduled timers, one per key: a stage has one or two, so an array, not a map. */
  timers: TimerEntry[] | undefined = undefined;
  /** Async events that arrived before the graph started, as (handler, value) pairs. */
  early: unknown[] | undefined = undefined;
  failureCause: { readonly error: unknown } | undefined = undefined;
}

/** A scheduled timer. The host's handle becomes the interval's once a periodic timer repeats. */
class TimerEntry {
  handle: ReturnType<typeof setTimeout> | undefined = undefined;
  constructor(
    readonly logic: GraphStageLogic,
    readonly key: unknown,
    readonly periodic: boolean,
    readonly intervalMs: number,
  ) {}
}

/** Where the timer with `key` is in `timers` (keys compared as a Map would: NaN finds NaN), or -1. */
function indexOfTimer(timers: readonly TimerEntry[], key: unknown): number {
  for (let i = 0; i < timers.length; i++)
    if (Object.is(timers[i]!.key, key) || timers[i]!.key === key) return i;
  return -1;
}

// The host's timer callbacks: module functions given the entry (no closures per timer; a
// connection schedules several).
function onHostTimeout(entry: TimerEntry): void {
  entry.logic.timerElapsed(entry);
}
function onHostPeriodStart(entry: TimerEntry): void {
  entry.logic.periodStarts(entry);
}

export abstract class GraphStageLogic {
  // The fields are assigned in the constructor, not by class-field initialisers: those define
  // properties, and a define site that sees the many stage subclasses goes megamorphic and runs
  // ~10x slower than a plain store (~900 against ~95 ns per stage on Node 20; every connection
  // builds several stages).
  /**
   * The inlets and outlets, in creation order, chained through `nextPort`: no array per stage (a
   * connection's graph lives long).
   */
  declare private firstPort: Inlet<never> | Outlet<unknown> | undefined;
  /**
   * @internal The open-port count and the STOPPED, KEEP_GOING and ATTACHED bits: one number, no
   * state object (a stage lives as long as its connection). The interpreter's loop never reads
   * it: a stopped stage's ports are all closed, which the connections' own flags tell, and a
   * handler that closes its stage's last port names the stage to the interpreter.
   */
  declare stageBits: number;
  declare private extras: StageExtras | undefined;

  constructor() {
    this.firstPort = undefined;
    this.stageBits = 0;
    this.extras = new StageExtras();
    this.extras.handlers = [];
  }

  /** Called once before any event, when the graph starts. */
  preStart(): void {}

  /** Called once when the stage has stopped, whatever the reason: release resources here. */
  postStop(): void {}

  /** Called when a timer scheduled with `scheduleOnce` / `scheduleAtFixedRate` fires. */
  protected onTimer(_key: unknown): void {}

  // ---- ports -----------------------------------------------------------------------------------

  /** Creates an input port of this stage. */
  protected inlet<T>(name: string): Inlet<T> {
    const port = new Inlet<T>(name);
    this.addPort(port as Inlet<never>);
    return port;
  }

  /** Creates an output port of this stage. */
  protected outlet<T>(name: string): Outlet<T> {
    const port = new Outlet<T>(name);
    this.addPort(port as Outlet<unknown>);
    return port;
  }

  private addPort(port: Inlet<never> | Outlet<unknown>): void {
    const handlers = this.extras?.handlers;
    if (handlers === undefined) throw new IllegalStageStateError(`${port} created after the graph started`);
    if (this.firstPort === undefined) this.firstPort = port;
    else {
      let last = this.firstPort;
      while (last.nextPort !== undefined) last = last.nextPort;
      last.nextPort = port;
    }
    handlers.push(undefined);
    this.stageBits += ONE_PORT;
  }

  /** The ports in creation order, in a fresh array: for completion and bypass, not per element. */
  private portList(): (Inlet<never> | Outlet<unknown>)[] {
    const list: (Inlet<never> | Outlet<unknown>)[] = [];
    for (let p = this.firstPort; p !== undefined; p = p.nextPort) list.push(p);
    return list;
  }

  /** The port's place in creation order, or -1 if it is not one of this stage's. */
  private indexOfPort(port: Inlet<never> | Outlet<unknown>): number {
    let index = 0;
    for (let p = this.firstPort; p !== undefined; p = p.nextPort, index++) if (p === port) return index;
    return -1;
  }

  /** Sets the handler of a port (may be changed at any time). */
  protected setHandler(port: Inlet<never>, handler: InHandler): void;
  protected setHandler(port: Outlet<unknown>, handler: OutHandler): void;
  protected setHandler(port: Inlet<never> | Outlet<unknown>, handler: InHandler | OutHandler): void {
    const handlers = this.extras?.handlers;
    if (handlers !== undefined) {
      const index = this.indexOfPort(port);
      if (index < 0) throw new IllegalStageStateError(`${port} is not a port of ${this.constructor.name}`);
      handlers[index] = handler;
      return;
    }
    if (port instanceof Inlet) port.connection?.setInHandler(handler as InHandler);
    else port.connection?.setOutHandler(handler as OutHandler);
    this.updatePullForwarding();
  }

  /**
   * The default `onPull` of a one-in, one-out stage only pulls its inlet; the interpreter then
   * pulls for it without calling it (saves a call per element per stage). Subclasses opt in.
   */
  protected forwardsPull(): { readonly from: Outlet<unknown>; readonly to: Inlet<never> } | undefined {
    return undefined;
  }

  /** @internal */
  updatePullForwarding(): void {
    const forward = this.forwardsPull();
    for (let port = this.firstPort; port !== undefined; port = port.nextPort) {
      if (port instanceof Outlet && port.connection) port.connection.forwardPullTo = undefined;
    }
    if (forward?.from.connection && forward.to.connection)
      forward.from.connection.forwardPullTo = forward.to.connection;
  }

  /** Sets one handler object for an inlet and an outlet (a typical one-in, one-out stage). */
  protected setHandlers(inlet: Inlet<never>, outlet: Outlet<unknown>, handler: InHandler & OutHandler): void {
    this.setHandler(inlet, handler);
    this.setHandler(outlet, handler);
  }

  /** Keep running after all ports closed (until `completeStage`), e.g. to settle a promise later. */
  protected setKeepGoing(enabled: boolean): void {
    this.stageBits = enabled ? this.stageBits | KEEP_GOING : this.stageBits & ~KEEP_GOING;
  }

  // ---- the port protocol ------------------------------------------------------------------------

  /** Emits an element; `out` must have been pulled and not pushed since. */
  protected push<T>(out: Outlet<T>, element: T): void {
    const c = out.connection!;
    if (!c.demand) {
      if (c.inClosed) return; // downstream cancelled; its cancel event is on the way
      if (c.outClosed) throw new IllegalStageStateError(`cannot push closed ${out}`);
      throw new IllegalStageStateError(`cannot push ${out}: not pulled`);
    }
    c.markPushed();
    c.element = element;
    interpreter.enqueue(c, PUSH);
  }

  /** Asks upstream for one element. */
  protected pull<T>(inlet: Inlet<T>): void {
    const c = inlet.connection!;
    if (!c.idle) {
      if (c.inClosed) throw new IllegalStageStateError(`cannot pull cancelled ${inlet}`);
      if (!c.outClosed || c.pushed || c.available)
        throw new IllegalStageStateError(`cannot pull ${inlet} twice`);
      if (c.finishDelivered) throw new IllegalStageStateError(`cannot pull closed ${inlet}`);
      return; // upstream finished; its completion is on the way
    }
    c.markPullPending();
    interpreter.enqueue(c, PULL);
  }

  /** Takes the element pushed to `inlet`. */
  protected grab<T>(inlet: Inlet<T>): T {
    const c = inlet.connection!;
    if (!c.available) throw new IllegalStageStateError(`no element available on ${inlet}`);
    c.markGrabbed();
    const element = c.element as T;
    c.element = undefined;
    return element;
  }

  /** `inlet`: an element can be grabbed. `outlet`: downstream pulled and can take a push now. */
  protected isAvailable(port: Inlet<never> | Outlet<unknown>): boolean {
    const c = port.connection!;
    if (port instanceof Inlet) return c.available;
    return c.demand && !c.inClosed && !c.outClosed;
  }

  /** Whether `inlet` was pulled and its element has not been delivered yet. */
  protected hasBeenPulled(inlet: Inlet<never>): boolean {
    const c = inlet.connection!;
    return c.pullPending || c.demand || c.pushed;
  }

  /** Whether the port is closed: completed or cancelled. */
  protected isClosed(port: Inlet<never> | Outlet<unknown>): boolean {
    const c = port.connection!;
    return port instanceof Inlet ? c.inClosed || c.finishDelivered : c.outClosed || c.inClosed;
  }

  /** Completes `out`: downstream sees onUpstreamFinish after any element already pushed. */
  protected complete(out: Outlet<unknown>): void {
    const c = out.connection!;
    if (c.outClosed) return;
    c.outClosed = true;
    if (!c.inClosed) interpreter.enqueue(c, COMPLETE);
    this.portClosed(c, false);
  }

  /** Fails `out` with `error`. */
  protected fail(out: Outlet<unknown>, error: unknown): void {
    const c = out.connection!;
    if (c.outClosed) return;
    c.outClosed = true;
    if (!c.inClosed) {
      c.cause = error;
      interpreter.enqueue(c, FAIL);
    }
    this.portClosed(c, false);
  }

  /** Cancels `inlet`: no more elements are wanted; `cause` tells upstream why. */
  protected cancel(inlet: Inlet<never>, cause?: unknown): void {
    const c = inlet.connection!;
    if (c.inClosed) return;
    c.inClosed = true;
    c.pullPending = false;
    c.demand = false;
    c.pushed = false;
    c.available = false;
    c.element = undefined;
    if (!c.outClosed) {
      c.cause = cause;
      interpreter.enqueue(c, CANCEL);
    }
    this.portClosed(c, true);
  }

  /**
   * Takes this stage out of the running graph: for each `[inlet, outlet]` pair, what arrives at
   * `inlet` goes from then on straight to whoever `outlet` fed, and the stage stops (`postStop`
   * runs) without closing anything. For a stage that has become a pure pass-through, such as a
   * handshake that is done: a graph that lives for hours then keeps one stage less. The pairs must
   * cover every port. Refused (false, nothing changed) unless each pair is open, nothing is on its
   * way out of this stage, and the outlet has demand exactly when the inlet was pulled for it:
   * try again on a later event. Call it last in a handler: once it succeeds, the ports are
   * detached and the stage gets no more events.
   */
  protected bypass(pairs: readonly (readonly [Inlet<never>, Outlet<unknown>])[]): boolean {
    if ((this.stageBits & (STOPPED | ATTACHED)) !== ATTACHED || pairs.length * 2 !== this.portList().length) {
      return false;
    }
    // Indexed loops, no destructuring: this runs once per connection, mostly before the compiler
    // optimises it, where `for…of` and `[a, b] =` allocate iterator objects.
    for (let i = 0; i < pairs.length; i++) {
      const inlet = pairs[i]![0];
      const outlet = pairs[i]![1];
      const into = inlet.connection;
      const out = outlet.connection;
      if (into === undefined || out === undefined || !into.open || !out.open) return false;
      if (out.pullPending || out.pushed || out.available || into.available) return false;
      if (out.demand !== (into.pullPending || into.demand || into.pushed)) return false;
    }
    for (let i = 0; i < pairs.length; i++) {
      const inlet = pairs[i]![0];
      const outlet = pairs[i]![1];
      const into = inlet.connection!;
      const next = outlet.connection!;
      const downstream = next.inLogic!;
      downstream.reconnectInlet(next, into);
      into.joinDownstream(next);
      downstream.updatePullForwarding();
      inlet.connection = undefined;
      outlet.wired = false;
    }
    this.stop();
    return true;
  }

  /** Completes all outlets, cancels all inlets, and stops. */
  completeStage(): void {
    if (this.isStopped) return;
    const ports = this.portList();
    for (const port of ports) if (port instanceof Outlet) this.complete(port);
    for (const port of ports) if (port instanceof Inlet) this.cancel(port);
    this.stop();
  }

  /** Fails all outlets with `error`, cancels all inlets, and stops. */
  failStage(error: unknown): void {
    if (this.isStopped) return;
    (this.extras ??= new StageExtras()).failureCause = { error };
    const ports = this.portList();
    for (const port of ports) if (port instanceof Outlet) this.fail(port, error);
    for (const port of ports) if (port instanceof Inlet) this.cancel(port, error);
    this.stop();
  }

  /** Cancels all inlets with `cause`, completes all outlets, and stops. */
  cancelStage(cause?: unknown): void {
    if (this.isStopped) return;
    const ports = this.portList();
    for (const port of ports) if (port instanceof Inlet) this.cancel(port, cause);
    for (const port of ports) if (port instanceof Outlet) this.complete(port);
    this.stop();
  }

  /** The error the stage failed with, if `failStage` stopped it (for `postStop` to report). */
  protected get stageFailure(): { readonly error: unknown } | undefined {
    return this.extras?.failureCause;
  }

  /** Whether the stage has stopped. */
  get isStopped(): boolean {
    return (this.stageBits & STOPPED) !== 0;
  }

  // ---- async input and timers -------------------------------------------------------------------

  /**
   * Wraps `handler` so it can be called from outside the graph (a promise, an I/O event): the
   * call runs inside the interpreter, now if it is idle, else right after the current event.
   * Calls after the stage stopped are dropped; calls before the graph started wait for it.
   */
  protected getAsyncCallback<T>(handler: (value: T) => void): (value: T) => void {
    return (value: T) => this.invokeFromOutside(handler, value);
  }

  /**
   * Calls `handler` (with this stage as `this`) with `value` inside the graph, like an async
   * callback but without a closure: long-lived stages call it from shared, module-level
   * listeners (one connection's stages then cost no function objects per event source).
   */
  protected invokeFromOutside<T>(handler: (this: this, value: T) => void, value: T): void {
    if ((this.stageBits & ATTACHED) !== 0) interpreter.invokeAsync(this, handler, value);
    else if (!this.isStopped) ((this.extras ??= new StageExtras()).early ??= []).push(handler, value);
  }

  /** Fires `onTimer(key)` once after `delayMs`, replacing a timer with the same key. */
  protected scheduleOnce(key: unknown, delayMs: number): void {
    this.startTimer(key, delayMs, false);
  }

  /** Fires `onTimer(key)` every `intervalMs`, first after `initialDelayMs`. */
  protected scheduleAtFixedRate(key: unknown, initialDelayMs: number, intervalMs: number): void {
    this.startTimer(key, initialDelayMs, true, intervalMs);
  }

  /** Cancels the timer with `key`, if any. */
  protected cancelTimer(key: unknown): void {
    const timers = this.extras?.timers;
    const at = timers === undefined ? -1 : indexOfTimer(timers, key);
    if (at < 0) return;
    const entry = timers![at]!;
    // A one-shot timer is a timeout; a periodic one is a timeout until its first period starts.
    clearTimeout(entry.handle);
    if (entry.periodic) clearInterval(entry.handle);
    this.forgetTimer(at);
  }

  /** Whether a timer with `key` is scheduled. */
  protected isTimerActive(key: unknown): boolean {
    const timers = this.extras?.timers;
    return timers !== undefined && indexOfTimer(timers, key) >= 0;
  }

  /** Removes the timer at `at`; a long-lived stage whose last timer is gone (a connect time-out) keeps no list. */
  private forgetTimer(at: number): void {
    const timers = this.extras!.timers!;
    timers.splice(at, 1);
    if (timers.length === 0) {
      this.extras!.timers = undefined;
      this.dropEmptyExtras();
    }
  }

  private startTimer(key: unknown, delayMs: number, periodic: boolean, intervalMs = 0): void {
    this.cancelTimer(key);
    if (this.isStopped) return;
    const entry = new TimerEntry(this, key, periodic, intervalMs);
    entry.handle = setTimeout(periodic ? onHostPeriodStart : onHostTimeout, delayMs, entry);
    const extras = (this.extras ??= new StageExtras());
    if (extras.timers === undefined) extras.timers = [entry];
    else extras.timers.push(entry);
  }

  /** @internal The host's timer fired: into the graph. */
  timerElapsed(entry: TimerEntry): void {
    this.invokeFromOutside(GraphStageLogic.prototype.runTimer, entry);
  }

  /** @internal A periodic timer's first delay is over: it repeats from now on. */
  periodStarts(entry: TimerEntry): void {
    if (this.extras?.timers?.includes(entry) !== true) return;
    entry.handle = setInterval(onHostTimeout, entry.intervalMs, entry);
    this.timerElapsed(entry);
  }

  private runTimer(entry: TimerEntry): void {
    // The list is looked up each time, never kept: it is dropped whenever it empties.
    const at = this.extras?.timers?.indexOf(entry) ?? -1;
    if (at < 0) return; // cancelled or replaced meanwhile
    if (!entry.periodic) this.forgetTimer(at);
    this.onTimer(entry.key);
  }

  /** A started stage with no timer (or whose connect time-out is over) keeps no extras. */
  private dropEmptyExtras(): void {
    const extras = this.extras!;
    if (
      extras.handlers === undefined &&
      extras.timers === undefined &&
      extras.early === undefined &&
      extras.failureCause === undefined
    ) {
      this.extras = undefined;
    }
  }

  // ---- interpreter side ---------------------------------------------------------------------------

  /** @internal The inlet of this stage that `old` fed is fed by `replacement` from now on (a bypass). */
  reconnectInlet(old: Connection, replacement: Connection): void {
    for (let port = this.firstPort; port !== undefined; port = port.nextPort) {
      if (port instanceof Inlet && port.connection === old) port.connection = replacement;
    }
  }

  /** @internal */
  attach(): void {
    this.stageBits |= ATTACHED;
    const handlers = this.extras!.handlers!;
    // The connections hold the handlers from here on.
    this.extras!.handlers = undefined;
    let i = 0;
    for (let port = this.firstPort; port !== undefined; port = port.nextPort, i++) {
      const handler = handlers[i];
      const name = this.constructor.name;
      if (!port.connection) throw new IllegalStageStateError(`${port} of ${name} is not connected`);
      if (!handler) throw new IllegalStageStateError(`${port} of ${name} has no handler`);
      if (port instanceof Inlet) {
        port.connection.inLogic = this;
        port.connection.setInHandler(handler as InHandler);
      } else {
        port.connection.outLogic = this;
        port.connection.setOutHandler(handler as OutHandler);
      }
    }
    this.dropEmptyExtras();
    this.updatePullForwarding();
  }

  /** @internal */
  runPreStart(): void {
    this.guard(() => this.preStart());
    const early = this.extras?.early;
    if (early) {
      this.extras!.early = undefined;
      this.dropEmptyExtras();
      for (let i = 0; i < early.length; i += 2) {
        interpreter.invokeAsync(this, early[i] as (value: unknown) => void, early[i + 1]);
      }
    }
  }

  /** @internal Runs `fn`, failing the stage if it throws. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.failStage(error);
    }
    this.checkAutoStop();
  }

  /** @internal Runs `handler.call(this, value)`, failing the stage if it throws. */
  guardCall<T>(handler: (this: this, value: T) => void, value: T): void {
    try {
      handler.call(this, value);
    } catch (error) {
      this.failStage(error);
    }
    this.checkAutoStop();
  }

  /** @internal */
  deliverFinish(c: Connection, failed: boolean): void {
    if (this.isStopped) return;
    c.finishDelivered = true;
    this.portClosed(c, true);
    try {
      if (failed) {
        const { onFailure } = c.onEnd;
        if (onFailure) onFailure.call(this, c.cause);
        else this.failStage(c.cause);
      } else if (c.onEnd.onFinish) c.onEnd.onFinish.call(this);
      else this.completeStage();
    } catch (error) {
      this.failStage(error);
    }
    this.checkAutoStop();
  }

  /** @internal */
  deliverCancel(c: Connection): void {
    if (this.isStopped) return;
    this.portClosed(c, false);
    if (c.outClosed) return this.checkAutoStop(); // completed meanwhile: nothing to tell
    try {
      if (c.onCancel) c.onCancel.call(this, c.cause);
      else this.cancelStage(c.cause);
    } catch (error) {
      this.failStage(error);
    }
    this.checkAutoStop();
  }

  /** Counts the inlet (`inSide`) or outlet end of `c`, a port of this stage, as closed. */
  private portClosed(c: Connection, inSide: boolean): void {
    if (!c.countPortClosed(inSide)) return;
    this.stageBits -= ONE_PORT;
    // The last one: the interpreter stops the stage once the current handler returns.
    if (this.stageBits < ONE_PORT) interpreter.noteAllPortsClosed(this);
  }

  /** @internal After each event: a stage whose ports are all closed stops (unless keepGoing). */
  checkAutoStop(): void {
    if (this.stageBits < ONE_PORT && (this.stageBits & (KEEP_GOING | STOPPED)) === 0) this.stop();
  }

  private stop(): void {
    if (this.isStopped) return;
    this.stageBits |= STOPPED;
    const extras = this.extras;
    if (extras !== undefined) {
      if (extras.timers) for (const entry of [...extras.timers]) this.cancelTimer(entry.key);
      extras.early = undefined;
    }
    try {
      this.postStop();
    } catch {
      // postStop must not throw; there is nobody left to tell.
    }
  }
}
