/**
 * The fused interpreter: one per process, running every stage of every materialized graph on one
 * synchronous event loop (Akka's GraphInterpreter, simplified). A graph needs no loop of its own:
 * JavaScript runs one handler at a time anyway, and a loop's state is empty whenever it is idle,
 * so one shared loop costs a long-lived graph (a WebSocket's) nothing, where one per graph cost
 * ~160 bytes for as long as it lived. Graphs still only talk through async callbacks: an event
 * for another graph is delivered after the current one, never inside it.
 *
 * push, pull, complete, fail and cancel record an event on a connection; the loop delivers it
 * to the handler on the other side. Handlers never run re-entrantly and nothing recurses, so a
 * stream of any length is stack-safe; nothing allocates per element: the queue is one array of
 * (connection, event kind) pairs, and the element rides on the connection.
 *
 * "Chasing" (as in Akka): the first event a handler emits goes into a one-event slot that the
 * loop takes before the queue, so an element usually travels a whole linear pipeline without
 * touching the queue. Ordering stays safe because every event is checked against the
 * connection's state when delivered, and a completion or failure waits behind an element still
 * on its way on the same connection. After `CHASE_LIMIT` chased events in a row, the events queued
 * before the chased one get their turn (fairness between graphs sharing the loop).
 *
 * Input from outside (I/O, timers, promises) enters through async callbacks, which run the loop
 * at once when it is idle. After `EVENT_BUDGET` events the loop yields to the host event loop so
 * that timers and I/O stay live under an endless synchronous source; when it resumes, what the
 * host handed in meanwhile runs first.
 */
import type { Connection } from "./connection.js";
import type { GraphStageLogic } from "./graph-stage-logic.js";

/** Slots of the event queue kept when idle (a burst may grow it; it is then replaced). */
const QUEUE_KEPT = 256;

type EventQueue = (Connection | number | undefined)[];

/** Event kinds. */
export const PUSH = 0;
export const PULL = 1;
export const COMPLETE = 2;
export const FAIL = 3;
export const CANCEL = 4;

const NONE = -1;

/**
 * Chased events in a row before a queued event gets its turn: an endless chain (a synchronous
 * stream that never ends) would otherwise keep every queued event, another graph's among them,
 * waiting for ever. High enough that a linear pipeline's element keeps its chase.
 */
const CHASE_LIMIT = 64;

/** Events delivered before the loop yields to the host. */
const EVENT_BUDGET = 65_536;

const schedule: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/** `phase` bits: the loop is running; a resumption after yielding to the host is scheduled. */
const RUNNING = 1;
const RESUME_SCHEDULED = 2;

/**
 * The chase slot, in an object of its own made afresh for each run of the loop. The interpreter
 * lives as long as the process, so V8 keeps it in the old generation, and storing a connection of
 * a graph made a moment ago (young) into an old object takes the write barrier's slow path: once
 * per event, 7% of a fresh 10-stage stream's time in a profile. A fresh slot is young, so those
 * stores stay on the fast path; one object per run is the price.
 */
class ChaseSlot {
  connection: Connection | undefined = undefined;
  kind = NONE;

  /** A young copy (the slot holds an event when the loop yielded to the host with one in hand). */
  renewed(): ChaseSlot {
    const slot = new ChaseSlot();
    slot.connection = this.connection;
    slot.kind = this.kind;
    return slot;
  }
}

/** What a handler threw, from the loop's catch to `run`, which reads it at once. */
let thrown: unknown;

class GraphInterpreter {
  /**
   * Queued events as (connection, kind) pairs: most runs queue nothing (the chase slot takes the
   * next event) or a few events.
   */
  private queue: EventQueue = new Array(QUEUE_KEPT);
  private head = 0;
  private tail = 0;
  /** The chase slot (see ChaseSlot): the first event a handler emits. */
  private chase = new ChaseSlot();
  // Async events as (logic, handler, value) triples: the first in these fields (nearly always
  // the only one: a socket read, a timer), the rest in one flat array. No allocation per event.
  private asyncLogic: GraphStageLogic | undefined = undefined;
  private asyncHandler: ((this: GraphStageLogic, value: unknown) => void) | undefined = undefined;
  private asyncValue: unknown = undefined;
  private asyncQueue: unknown[] | undefined = undefined;
  private asyncHead = 0;
  private phase = 0;
  private budget = EVENT_BUDGET;
  /** Async calls to deliver before queued events, after a yield to the host (see `loop`). */
  private asyncFirst = 0;
  /** Events taken from the chase slot in a row (see CHASE_LIMIT). */
  private chased = 0;
  /** The queue holds events older than the chased one up to this index (the queue's end when it was chased). */
  private olderThanChase = 0;
  /**
   * Stages whose last open port a handler closed: they stop (unless they keep going) once it
   * returns. Nearly always one, its own stage: the first in a field, any others in an array.
   */
  private allPortsClosed: GraphStageLogic | undefined = undefined;
  private moreAllPortsClosed: GraphStageLogic[] | undefined = undefined;

  /**
   * Starts a graph's stages (all attach, then preStart in order) and runs until idle. Started from
   * a handler (a graph materialized inside another's), the stages start now and their events
   * follow the current one. The stages are not kept: from now on only events and async calls
   * reach them (and a stage that leaves the graph, a bypass, must not be kept alive here).
   */
  start(logics: readonly GraphStageLogic[]): void {
    const wasRunning = (this.phase & RUNNING) !== 0;
    this.phase |= RUNNING;
    try {
      // Indexed: once per graph, mostly unoptimised, where `for…of` allocates iterator objects.
      for (let i = 0; i < logics.length; i++) logics[i]!.attach();
      for (let i = 0; i < logics.length; i++) logics[i]!.runPreStart();
    } finally {
      if (!wasRunning) this.phase &= ~RUNNING;
    }
    if (this.phase === 0) this.run();
  }

  /** @internal */
  enqueue(connection: Connection, kind: number): void {
    const chase = this.chase;
    if (chase.kind === NONE) {
      chase.connection = connection;
      chase.kind = kind;
      this.olderThanChase = this.tail;
      return;
    }
    this.append(connection, kind);
  }

  /** Appends an event to the queue (not the chase slot). */
  private append(connection: Connection, kind: number): void {
    const queue = this.queue;
    queue[this.tail] = connection;
    queue[this.tail + 1] = kind;
    this.tail += 2;
  }

  /**
   * @internal Runs `handler.call(logic, value)` inside the loop: now if idle, else after the current
   * event.
   */
  invokeAsync<L extends GraphStageLogic, T>(logic: L, handler: (this: L, value: T) => void, value: T): void {
    if (logic.isStopped) return;
    if (this.asyncLogic === undefined) {
      this.asyncLogic = logic;
      this.asyncHandler = handler as (this: GraphStageLogic, value: unknown) => void;
      this.asyncValue = value;
    } else {
      (this.asyncQueue ??= []).push(logic, handler, value);
    }
    if (this.phase === 0) this.run();
  }

  /** @internal `logic`'s last open port just closed. */
  noteAllPortsClosed(logic: GraphStageLogic): void {
    if (this.allPortsClosed === undefined) this.allPortsClosed = logic;
    else if (this.allPortsClosed !== logic) (this.moreAllPortsClosed ??= []).push(logic);
  }

  /** Stops the stages whose ports are all closed (a stage that stopped meanwhile ignores it). */
  private stopClosedStages(): void {
    for (let logic = this.allPortsClosed; logic !== undefined; logic = this.allPortsClosed) {
      const more = this.moreAllPortsClosed;
      this.allPortsClosed = more?.pop();
      if (more?.length === 0) this.moreAllPortsClosed = undefined;
      logic.checkAutoStop();
    }
  }

  private run(): void {
    if ((this.phase & RUNNING) !== 0) return;
    this.phase |= RUNNING;
    this.chase = this.chase.renewed();
    try {
      // A throwing handler unwinds to here: its stage fails and the loop goes on.
      for (let failed = this.loop(); failed !== undefined; failed = this.loop()) {
        const error = thrown;
        thrown = undefined;
        failed.failStage(error);
        failed.checkAutoStop();
      }
    } finally {
      this.phase &= ~RUNNING;
    }
  }

  /**
   * Delivers events until idle (undefined) or until a handler throws: then the stage whose
   * handler it was (the error in `thrown`). Only onPush and onPull run outside a stage's own
   * guard, so the event being delivered names the stage; no field tracks it per event.
   */
  private loop(): GraphStageLogic | undefined {
    let connection: Connection | undefined;
    let kind = NONE;
    const chase = this.chase;
    try {
      for (;;) {
        // The rare branches call methods: the loop's own code must stay small enough for the
        // compiler to inline the connection's accessors into it.
        if (this.asyncFirst !== 0 && this.asyncLogic !== undefined) {
          // Back from yielding to the host: what the host handed in meanwhile (socket reads,
          // timers, possibly for other graphs) goes before the events a long run left queued, or
          // an endless synchronous stream would starve every other graph of its input.
          this.asyncFirst--;
          kind = NONE; // runAsync guards its own call
          if (this.runOneAsync()) return undefined;
          continue;
        }
        if (chase.kind !== NONE && (this.chased < CHASE_LIMIT || this.head >= this.olderThanChase)) {
          connection = chase.connection!;
          kind = chase.kind;
          chase.connection = undefined;
          chase.kind = NONE;
          this.chased++;
        } else if (this.head !== this.tail) {
          // The queue's turn: it was empty, or the chain has had its turn and events queued
          // before its next one wait (only those: a handler's events keep their order, e.g. a
          // stage's failure downstream before its cancel upstream).
          this.chased = 0;
          const queue = this.queue;
          connection = queue[this.head] as Connection;
          kind = queue[this.head + 1] as number;
          queue[this.head] = undefined;
          this.head += 2;
          if (this.head === this.tail) this.head = this.tail = this.olderThanChase = 0;
        } else if (this.asyncLogic !== undefined) {
          kind = NONE;
          if (this.runOneAsync()) return undefined;
          continue;
        } else if (this.allPortsClosed !== undefined) {
          // Ports closed outside push and pull handlers (those stages check themselves, but
          // may have closed another's); stopping may queue more events.
          kind = NONE;
          this.stopClosedStages();
          continue;
        } else {
          this.goIdle();
          return undefined;
        }
        if (--this.budget === 0) {
          this.yieldBefore(connection, kind);
          return undefined;
        }
        // PUSH and PULL are delivered inline: they are nearly every event. A stopped stage's
        // ports are all closed, so the connection's flags alone tell whether to deliver.
        if (kind === PUSH) {
          if (connection.inClosed) continue;
          connection.markPushDelivered();
          connection.onPush.call(connection.inLogic);
          if (this.allPortsClosed !== undefined) this.stopClosedStages();
        } else if (kind === PULL) {
          connection.clearPullPending();
          if (connection.outClosed || connection.inClosed) continue;
          connection.markDemand();
          const upstream = connection.forwardPullTo;
          // A stage whose onPull only pulls its inlet: pull for it, without the call.
          if (upstream?.idle) {
            upstream.markPullPending();
            this.enqueue(upstream, PULL);
          } else {
            connection.onPull.call(connection.outLogic);
          }
          if (this.allPortsClosed !== undefined) this.stopClosedStages();
        } else if (kind === CANCEL) {
          connection.outLogic!.deliverCancel(connection);
        } else if (!connection.inClosed) {
          // An element pushed just before is still on its way (its event was moved behind this one):
          // it goes first, so the completion or failure waits behind it.
          if (connection.pushed) this.append(connection, kind);
          else connection.inLogic!.deliverFinish(connection, kind === FAIL);
        }
      }
    } catch (error) {
      if (connection === undefined || (kind !== PUSH && kind !== PULL)) throw error; // not a handler's
      thrown = error;
      return kind === PUSH ? connection.inLogic : connection.outLogic;
    }
  }

  /** Runs the oldest async call; true when the budget ran out and the loop yielded to the host. */
  private runOneAsync(): boolean {
    this.runAsync();
    if (--this.budget !== 0) return false;
    this.budget = EVENT_BUDGET;
    this.yieldToHost();
    return true;
  }

  /** Nothing left to do. */
  private goIdle(): void {
    this.budget = EVENT_BUDGET;
    this.asyncFirst = 0;
    // The queue is empty; a burst that made it large does not keep it large.
    if (this.queue.length > QUEUE_KEPT) this.queue = new Array(QUEUE_KEPT);
  }

  /** Puts the event back and lets the host run timers and I/O before going on. */
  private yieldBefore(connection: Connection, kind: number): void {
    this.enqueueFront(connection, kind);
    this.budget = EVENT_BUDGET;
    this.yieldToHost();
  }

  private enqueueFront(connection: Connection, kind: number): void {
    // The event just taken came from the chase slot or, with the slot empty, the queue's head: it
    // goes first again.
    this.chase.connection = connection;
    this.chase.kind = kind;
    this.olderThanChase = this.head;
  }

  private runAsync(): void {
    const logic = this.asyncLogic!;
    const handler = this.asyncHandler!;
    const value = this.asyncValue;
    // Refill the slot from the overflow queue, in order.
    const queue = this.asyncQueue;
    if (queue !== undefined) {
      const head = this.asyncHead;
      this.asyncLogic = queue[head] as GraphStageLogic;
      this.asyncHandler = queue[head + 1] as (this: GraphStageLogic, value: unknown) => void;
      this.asyncValue = queue[head + 2];
      if (head + 3 === queue.length) {
        this.asyncQueue = undefined;
        this.asyncHead = 0;
      } else {
        queue[head + 2] = undefined;
        this.asyncHead = head + 3;
      }
    } else {
      this.asyncLogic = undefined;
      this.asyncHandler = undefined;
      this.asyncValue = undefined;
    }
    if (!logic.isStopped) logic.guardCall(handler, value);
  }

  private yieldToHost(): void {
    this.phase |= RESUME_SCHEDULED;
    schedule(() => {
      this.phase &= ~RESUME_SCHEDULED;
      const queued = this.asyncQueue;
      this.asyncFirst =
        (this.asyncLogic === undefined ? 0 : 1) +
        (queued === undefined ? 0 : (queued.length - this.asyncHead) / 3);
      this.run();
    });
  }
}

/** @internal The interpreter every graph runs in. */
export const interpreter: GraphInterpreter = new GraphInterpreter();
