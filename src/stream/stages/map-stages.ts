/**
 * Element-wise operators with state or side effects: mapConcat, scan, fold, recover, log.
 * (map, filter and collect are fused steps: see fused-steps.ts.)
 */
import { LinearStageLogic } from "../stage-shapes.js";

export class MapConcatLogic<In, Out> extends LinearStageLogic<In, Out> {
  private current: Iterator<Out> | undefined;
  private upstreamDone = false;

  constructor(private readonly f: (element: In) => Iterable<Out>) {
    super();
  }
  onPush(): void {
    this.current = this.f(this.grab(this.in))[Symbol.iterator]();
    this.emitNext();
  }
  override onPull(): void {
    if (this.current) this.emitNext();
    else this.pull(this.in);
  }
  onUpstreamFinish(): void {
    this.upstreamDone = true;
    if (!this.current) this.completeStage();
  }
  private emitNext(): void {
    const next = this.current!.next();
    if (!next.done) return this.push(this.out, next.value);
    this.current = undefined;
    if (this.upstreamDone) this.completeStage();
    else this.pull(this.in);
  }
}

/** Emits `zero`, then every intermediate result of `f`. */
export class ScanLogic<In, Acc> extends LinearStageLogic<In, Acc> {
  private zeroEmitted = false;
  private finishing = false;

  constructor(
    private acc: Acc,
    private readonly f: (acc: Acc, element: In) => Acc,
  ) {
    super();
  }
  override onPull(): void {
    if (this.zeroEmitted) return this.pull(this.in);
    this.zeroEmitted = true;
    this.push(this.out, this.acc);
    if (this.finishing) this.completeStage();
  }
  onPush(): void {
    this.acc = this.f(this.acc, this.grab(this.in));
    this.push(this.out, this.acc);
  }
  onUpstreamFinish(): void {
    if (this.zeroEmitted) this.completeStage();
    else this.finishing = true;
  }
}

/** Emits one element, the result of folding everything, when upstream completes. */
export class FoldLogic<In, Acc> extends LinearStageLogic<In, Acc> {
  private finished = false;

  constructor(
    private acc: Acc,
    private readonly f: (acc: Acc, element: In) => Acc,
  ) {
    super();
  }
  override preStart(): void {
    this.pull(this.in);
  }
  onPush(): void {
    this.acc = this.f(this.acc, this.grab(this.in));
    this.pull(this.in);
  }
  override onPull(): void {
    if (this.finished) {
      this.push(this.out, this.acc);
      this.completeStage();
    }
  }
  onUpstreamFinish(): void {
    if (this.isAvailable(this.out)) {
      this.push(this.out, this.acc);
      this.completeStage();
    } else {
      this.finished = true;
    }
  }
}

/**
 * On upstream failure, emits `f(error)` and completes; `f` returning `undefined` means
 * "not handled" and the failure passes on.
 */
export class RecoverLogic<T> extends LinearStageLogic<T, T> {
  private pending: { value: T } | undefined;

  constructor(private readonly f: (error: unknown) => T | undefined) {
    super();
  }
  onPush(): void {
    this.push(this.out, this.grab(this.in));
  }
  override onPull(): void {
    if (this.pending) {
      this.push(this.out, this.pending.value);
      this.completeStage();
    } else {
      this.pull(this.in);
    }
  }
  onUpstreamFailure(error: unknown): void {
    const value = this.f(error);
    if (value === undefined) return this.failStage(error);
    if (this.isAvailable(this.out)) {
      this.push(this.out, value);
      this.completeStage();
    } else {
      this.pending = { value };
    }
  }
}

/** Where `log` writes: a function taking one line. */
export type LogSink = (line: string) => void;

/** Passes elements through, writing each, and the completion or failure, to `logger`. */
export class LogLogic<T> extends LinearStageLogic<T, T> {
  constructor(
    private readonly name: string,
    private readonly logger: LogSink,
  ) {
    super();
  }
  onPush(): void {
    const element = this.grab(this.in);
    this.logger(`[${this.name}] element: ${describe(element)}`);
    this.push(this.out, element);
  }
  onUpstreamFinish(): void {
    this.logger(`[${this.name}] upstream finished`);
    this.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    this.logger(`[${this.name}] upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    this.failStage(error);
  }
  onDownstreamFinish(cause: unknown): void {
    this.logger(`[${this.name}] downstream finished${cause === undefined ? "" : ` (${String(cause)})`}`);
    this.cancelStage(cause);
  }
}

function describe(element: unknown): string {
  if (element instanceof Uint8Array) return `Uint8Array(${element.length})`;
  if (typeof element === "string")
    return JSON.stringify(element.length > 200 ? `${element.slice(0, 200)}…` : element);
  return String(element);
}
