/**
 * The fused interpreter: one per materialization, running every stage of the graph on one
 * synchronous event loop (Akka's GraphInterpreter, simplified).
 *
 * push, pull, complete, fail and cancel record an event on a connection; the loop delivers it
 * to the handler on the other side. Handlers never run re-entrantly and nothing recurses, so a
 * stream of any length is stack-safe; nothing allocates per element: the queue is one array of
 * (connection, event kind) pairs, and the element rides on the connection.
 *
 * "Chasing" (as in Akka): the first event a handler emits goes into a one-event slot that the
 * loop takes before the queue, so an element usually travels a whole linear pipeline without
 * touching the queue. Ordering stays safe because every event is checked against the
 * connection's state when delivered.
 *
 * Input from outside (I/O, timers, promises) enters through async callbacks, which run the loop
 * at once when it is idle. After `EVENT_BUDGET` events the loop yields to the host event loop so
 * that timers and I/O stay live under an endless synchronous source.
 */
import type { Connection } from "./connection.js";
import type { GraphStageLogic, StageState } from "./graph-stage-logic.js";

/** Slots of a queue worth keeping for the next run: four events. */
const QUEUE_KEPT = 8;

type EventQueue = (Connection | number | undefined)[];

/**
 * Queues of idle interpreters, for the next run of any interpreter. A queue is empty whenever
 * its interpreter is idle, so it need not stay with it: with thousands of open connections,
 * one queue each would be ~110 bytes per connection for nothing. Runs nest (a handler may wake
 * another graph), so a few are kept.
 */
const spareQueues: EventQueue[] = [];
const SPARE_QUEUES_KEPT = 16;

function takeQueue(): EventQueue {
  return spareQueues.pop() ?? new Array(QUEUE_KEPT);
}

/** Event kinds. */
export const PUSH = 0;
export const PULL = 1;
export const COMPLETE = 2;
export const FAIL = 3;
export const CANCEL = 4;

const NONE = -1;

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
 * What a handler threw, from the loop's catch to `run`, which reads it at once (no JS runs in
 * between, so one variable serves every interpreter; a field would cost each connection a word).
 */
let thrown: unknown;

export class GraphInterpreter {
  /**
   * Queued events as (connection, kind) pairs, while running: most runs queue nothing (the chase
   * slot takes the next event) or a few events. Given back to `spareQueues` when idle.
   */
  private queue: EventQueue | undefined = undefined;
  private head = 0;
  private tail = 0;
  private chaseConn: Connection | undefined = undefined;
  private chaseKind = NONE;
  // Async events as (logic, handler, value) triples: the first in these fields (nearly always
  // the only one: a socket read, a timer), the rest in one flat array. No allocation per event.
  private asyncLogic: GraphStageLogic | undefined = undefined;
  private asyncHandler: ((this: GraphStageLogic, value: unknown) => void) | undefined = undefined;
  private asyncValue: unknown = undefined;
  private asyncQueue: unknown[] | undefined = undefined;
  private asyncHead = 0;
  private phase = 0;
  private active = 0;
  private budget = EVENT_BUDGET;

  /**
   * Starts every stage (preStart, in order) and runs until idle. The stages are not kept: from
   * now on only events and async calls reach them (and a stage that leaves the graph, a bypass,
   * must not be kept alive here).
   */
  start(logics: readonly GraphStageLogic[]): void {
    this.active = logics.length;
    this.phase |= RUNNING;
    try {
      for (const logic of logics) logic.attach(this);
      for (const logic of logics) logic.runPreStart();
    } finally {
      this.phase &= ~RUNNING;
    }
    this.run();
  }

  /** True once every stage has stopped. */
  get finished(): boolean {
    return this.active === 0;
  }

  /** @internal */
  enqueue(connection: Connection, kind: number): void {
    if (this.chaseKind === NONE) {
      this.chaseConn = connection;
      this.chaseKind = kind;
      return;
    }
    const queue = (this.queue ??= takeQueue());
    queue[this.tail] = connection;
    queue[this.tail + 1] = kind;
    this.tail += 2;
  }

  /**
   * @internal Runs `handler.call(logic, value)` inside the loop: now if idle, else after the current
   * event.
   */
  invokeAsync<L extends GraphStageLogic, T>(logic: L, handler: (this: L, value: T) => void, value: T): void {
    if (logic.state.stopped) return;
    if (this.asyncLogic === undefined) {
      this.asyncLogic = logic;
      this.asyncHandler = handler as (this: GraphStageLogic, value: unknown) => void;
      this.asyncValue = value;
    } else {
      (this.asyncQueue ??= []).push(logic, handler, value);
    }
    if (this.phase === 0) this.run();
  }

  /** @internal A stage stopped. */
  stageStopped(): void {
    this.active--;
  }

  private run(): void {
    if ((this.phase & RUNNING) !== 0) return;
    this.phase |= RUNNING;
    try {
      // A throwing handler unwinds to here: its stage fails and the loop goes on.
      for (let failed = this.loop(); failed !== undefined; failed = this.loop()) {
        const error = thrown;
        thrown = undefined;
        failed.logic.failStage(error);
        failed.logic.checkAutoStop();
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
  private loop(): StageState | undefined {
    let connection: Connection | undefined;
    let kind = NONE;
    try {
      for (;;) {
        if (this.chaseKind !== NONE) {
          connection = this.chaseConn!;
          kind = this.chaseKind;
          this.chaseConn = undefined;
          this.chaseKind = NONE;
        } else if (this.head !== this.tail) {
          const queue = this.queue!;
          connection = queue[this.head] as Connection;
          kind = queue[this.head + 1] as number;
          queue[this.head] = undefined;
          this.head += 2;
          if (this.head === this.tail) this.head = this.tail = 0;
        } else if (this.asyncLogic !== undefined) {
          kind = NONE; // runAsync guards its own call
          this.runAsync();
          if (--this.budget === 0) {
            this.budget = EVENT_BUDGET;
            this.yieldToHost();
            return undefined;
          }
          continue;
        } else {
          this.budget = EVENT_BUDGET;
          // Idle: the queue is empty; it goes back to the spares unless a burst made it large.
          const queue = this.queue;
          if (queue !== undefined) {
            this.queue = undefined;
            if (queue.length <= QUEUE_KEPT && spareQueues.length < SPARE_QUEUES_KEPT) spareQueues.push(queue);
          }
          return undefined;
        }
        if (--this.budget === 0) {
          // Put the event back and let the host run timers and I/O before going on.
          this.enqueueFront(connection, kind);
          this.budget = EVENT_BUDGET;
          this.yieldToHost();
          return undefined;
        }
        // PUSH and PULL are delivered inline: they are nearly every event.
        if (kind === PUSH) {
          const state = connection.inState;
          if (connection.inClosed || state.stopped) continue;
          connection.markPushDelivered();
          connection.onPush.call(connection.inHandler);
          if (state.openPorts === 0) state.logic.checkAutoStop();
        } else if (kind === PULL) {
          const state = connection.outState;
          connection.clearPullPending();
          if (connection.outClosed || connection.inClosed || state.stopped) continue;
          connection.markDemand();
          const upstream = connection.forwardPullTo;
          // A stage whose onPull only pulls its inlet: pull for it, without the call.
          if (upstream?.idle) {
            upstream.markPullPending();
            this.enqueue(upstream, PULL);
          } else {
            connection.onPull.call(connection.outHandler);
          }
          if (state.openPorts === 0) state.logic.checkAutoStop();
        } else if (kind === CANCEL) {
          const state = connection.outState;
          if (!state.stopped) state.logic.deliverCancel(connection);
        } else {
          const state = connection.inState;
          if (!connection.inClosed && !state.stopped) state.logic.deliverFinish(connection, kind === FAIL);
        }
      }
    } catch (error) {
      if (connection === undefined || (kind !== PUSH && kind !== PULL)) throw error; // not a handler's
      thrown = error;
      return kind === PUSH ? connection.inState : connection.outState;
    }
  }

  private enqueueFront(connection: Connection, kind: number): void {
    // The event just taken came from the chase slot or, with the slot empty, the queue's head.
    this.chaseConn = connection;
    this.chaseKind = kind;
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
    if (!logic.state.stopped) logic.guardCall(handler, value);
  }

  private yieldToHost(): void {
    this.phase |= RESUME_SCHEDULED;
    schedule(() => {
      this.phase &= ~RESUME_SCHEDULED;
      this.run();
    });
  }
}
