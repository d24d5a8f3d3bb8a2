/**
 * The fused interpreter: one per materialization, running every stage of the graph on one
 * synchronous event loop (Akka's GraphInterpreter, simplified).
 *
 * push, pull, complete, fail and cancel enqueue an event on a connection; the loop delivers it
 * to the handler on the other side. Nothing recurses, so a stream of any length is stack-safe,
 * and nothing allocates per element: the queue is two parallel arrays of connections and event
 * kinds, and the element rides on the connection. Input from outside (I/O, timers, promises)
 * enters through async callbacks, which run the loop right away when it is idle. After
 * `EVENT_BUDGET` events the loop yields to the host event loop so timers and I/O stay live.
 */
import type { Connection } from "./connection.js";
import type { GraphStageLogic } from "./graph-stage-logic.js";

/** Event kinds. */
export const PUSH = 0;
export const PULL = 1;
export const COMPLETE = 2;
export const FAIL = 3;
export const CANCEL = 4;

/** Events delivered before the loop yields to the host. */
const EVENT_BUDGET = 65_536;

const schedule: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

export class GraphInterpreter {
  private conns: (Connection | undefined)[] = [];
  private kinds: number[] = [];
  private head = 0;
  private tail = 0;
  private asyncLogics: GraphStageLogic[] = [];
  private asyncFns: (() => void)[] = [];
  private asyncHead = 0;
  private running = false;
  private resumeScheduled = false;
  private active = 0;

  constructor(private readonly logics: readonly GraphStageLogic[]) {}

  /** Starts every stage (preStart, in order) and runs until idle. */
  start(): void {
    this.active = this.logics.length;
    this.running = true;
    try {
      for (const logic of this.logics) logic.attach(this);
      for (const logic of this.logics) logic.runPreStart();
    } finally {
      this.running = false;
    }
    this.run();
  }

  /** True once every stage has stopped. */
  get finished(): boolean {
    return this.active === 0;
  }

  /** @internal */
  enqueue(connection: Connection, kind: number): void {
    this.conns[this.tail] = connection;
    this.kinds[this.tail] = kind;
    this.tail++;
  }

  /** @internal Runs `fn` for `logic` inside the loop: now if idle, else after the current event. */
  invokeAsync(logic: GraphStageLogic, fn: () => void): void {
    if (logic.isStopped) return;
    this.asyncLogics.push(logic);
    this.asyncFns.push(fn);
    if (!this.running && !this.resumeScheduled) this.run();
  }

  /** @internal A stage stopped. */
  stageStopped(): void {
    this.active--;
  }

  private run(): void {
    if (this.running) return;
    this.running = true;
    let budget = EVENT_BUDGET;
    try {
      for (;;) {
        while (this.head !== this.tail) {
          const connection = this.conns[this.head]!;
          const kind = this.kinds[this.head]!;
          this.conns[this.head] = undefined;
          this.head++;
          if (this.head === this.tail) this.head = this.tail = 0;
          this.dispatch(connection, kind);
          if (--budget === 0) return this.yieldToHost();
        }
        if (this.asyncHead === this.asyncFns.length) break;
        const logic = this.asyncLogics[this.asyncHead]!;
        const fn = this.asyncFns[this.asyncHead]!;
        this.asyncHead++;
        if (this.asyncHead === this.asyncFns.length) {
          this.asyncLogics = [];
          this.asyncFns = [];
          this.asyncHead = 0;
        }
        if (!logic.isStopped) logic.guard(fn);
      }
    } finally {
      this.running = false;
    }
  }

  private yieldToHost(): void {
    this.resumeScheduled = true;
    schedule(() => {
      this.resumeScheduled = false;
      this.run();
    });
  }

  private dispatch(connection: Connection, kind: number): void {
    switch (kind) {
      case PUSH: {
        const logic = connection.to.owner;
        if (connection.inClosed || logic.isStopped) return;
        logic.deliverPush(connection);
        return;
      }
      case PULL: {
        const logic = connection.from.owner;
        if (connection.outClosed || connection.inClosed || logic.isStopped) return;
        logic.deliverPull(connection);
        return;
      }
      case COMPLETE:
      case FAIL: {
        const logic = connection.to.owner;
        if (connection.inClosed || logic.isStopped) return;
        logic.deliverFinish(connection, kind === FAIL);
        return;
      }
      default: {
        const logic = connection.from.owner;
        if (logic.isStopped) return;
        logic.deliverCancel(connection);
      }
    }
  }
}
