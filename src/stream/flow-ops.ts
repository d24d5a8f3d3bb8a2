/**
 * The operators shared by Source and Flow, written once. `Repr` gives each operator the right
 * return type: on a `Source<Out, Mat>` `map` returns a `Source<T, Mat>`, on a
 * `Flow<In, Out, Mat>` a `Flow<In, T, Mat>`.
 */

import { requireFunction, requireOverflowStrategy, requireShape } from "./argument-checks.js";
import { lazyPromise } from "./deferred.js";
import type { Flow } from "./flow.js";
import { Keep } from "./keep.js";
import type { Build, FlowPorts } from "./materialization-context.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";
import type { FlowLogic } from "./stage-shapes.js";
import { BufferLogic, type OverflowStrategy } from "./stages/buffer.js";
import { AlsoToLogic, ConcatLogic, MergeLogic } from "./stages/fan-stages.js";
import { COLLECT, type ElementStep, FILTER, FusedStepsLogic, MAP } from "./stages/fused-steps.js";
import { DropLogic, DropWhileLogic, GroupedLogic, TakeLogic, TakeWhileLogic } from "./stages/limit-stages.js";
import { MapAsyncLogic } from "./stages/map-async.js";
import {
  FoldLogic,
  LogLogic,
  type LogSink,
  MapConcatLogic,
  RecoverLogic,
  ScanLogic,
} from "./stages/map-stages.js";
import type { SyncPuller } from "./stages/sync-source.js";
import { CompletionTimeoutLogic, IdleTimeoutLogic, ThrottleLogic } from "./stages/timing-stages.js";
import { WatchTerminationLogic } from "./stages/watch-termination.js";
import { requireInteger, StreamArgumentError } from "./stream-errors.js";

/** Which blueprint an operator returns. */
export type Repr<K extends "source" | "flow", In, Out, Mat> = K extends "source"
  ? Source<Out, Mat>
  : Flow<In, Out, Mat>;

/** The build step of a one-stage flow. */
export function stageBuild<In, Out>(create: () => FlowLogic<In, Out>): Build<FlowPorts<In, Out, undefined>> {
  return (ctx) => {
    const logic = ctx.add(create());
    return { in: logic.in, out: logic.out, mat: undefined };
  };
}

function requirePositiveMs(name: string, ms: number): void {
  if (!(ms > 0) || !Number.isFinite(ms))
    throw new StreamArgumentError(`${name} must be a positive number of ms, got ${ms}`);
}

/** Where a blueprint ending in fusable steps came from: `base` followed by one stage running `steps`. */
interface FusionTail {
  // biome-ignore lint/suspicious/noExplicitAny: the base's element types differ from this blueprint's by the fused steps.
  readonly base: FlowOps<any, any, any, any>;
  readonly steps: readonly ElementStep[];
}

/** A synchronous source's puller factory, for fusing steps into the source stage itself. */
export type SyncSourceFactory = () => SyncPuller<unknown>;

/** Operators of {@link Source} and {@link Flow}. */
export abstract class FlowOps<In, Out, Mat, K extends "source" | "flow"> {
  /** @internal Set when this blueprint ends in a fused map/filter/collect stage. */
  protected fusionTail: FusionTail | undefined;
  /** @internal Set on synchronous sources (`from`, `range` …), which can run fused steps themselves. */
  protected syncSource: SyncSourceFactory | undefined;

  /** @internal Appends a flow's build step, combining materialized values with `combine`. */
  protected abstract viaBuild<T, M2, M3>(
    build: Build<FlowPorts<Out, T, M2>>,
    combine: (left: Mat, right: M2) => M3,
  ): Repr<K, In, T, M3>;

  /** Appends `flow`, keeping this materialized value. */
  via<T, M2>(flow: Flow<Out, T, M2>): Repr<K, In, T, Mat> {
    requireShape(flow, "Flow", "via's flow");
    return this.viaBuild(flow.build, Keep.left);
  }

  /** Appends `flow`, combining both materialized values with `combine` (see {@link Keep}). */
  viaMat<T, M2, M3>(flow: Flow<Out, T, M2>, combine: (left: Mat, right: M2) => M3): Repr<K, In, T, M3> {
    requireShape(flow, "Flow", "viaMat's flow");
    requireFunction(combine, "viaMat's combine");
    return this.viaBuild(flow.build, combine);
  }

  private viaStage<T>(create: () => FlowLogic<Out, T>): Repr<K, In, T, Mat> {
    return this.viaBuild(stageBuild(create), Keep.left);
  }

  /** Appends an element-wise step, fused with the steps this blueprint already ends in. */
  private viaStep<T>(step: ElementStep): Repr<K, In, T, Mat> {
    const tail = this.fusionTail;
    const base = (tail?.base ?? this) as FlowOps<In, Out, Mat, K>;
    const steps = tail ? [...tail.steps, step] : [step];
    const pullerFactory = base.syncSource;
    if (pullerFactory) {
      const result = this.withSyncSource(pullerFactory, steps) as unknown as FlowOps<In, T, Mat, K>;
      result.fusionTail = { base, steps };
      return result as unknown as Repr<K, In, T, Mat>;
    }
    const result = base.viaBuild(
      stageBuild(() => new FusedStepsLogic<Out, T>(steps)),
      Keep.left,
    ) as unknown as FlowOps<In, T, Mat, K>;
    result.fusionTail = { base, steps };
    return result as unknown as Repr<K, In, T, Mat>;
  }

  /** @internal A source running `steps` in its own stage (only sync sources have one). */
  protected withSyncSource(_factory: SyncSourceFactory, _steps: readonly ElementStep[]): unknown {
    throw new Error("only synchronous sources fuse steps");
  }

  /** Transforms each element. Consecutive map, filter and collect fuse into one stage. */
  map<T>(f: (element: Out) => T): Repr<K, In, T, Mat> {
    requireFunction(f, "map's f");
    return this.viaStep({ kind: MAP, f });
  }

  /**
   * Transforms each element with an asynchronous `f`, at most `parallelism` at once, emitting
   * results in input order. A rejection fails the stream.
   */
  mapAsync<T>(parallelism: number, f: (element: Out) => T | PromiseLike<T>): Repr<K, In, T, Mat> {
    requireFunction(f, "mapAsync's f");
    requireInteger("parallelism", parallelism, 1);
    return this.viaStage(() => new MapAsyncLogic(parallelism, f, true));
  }

  /** Like {@link mapAsync}, emitting results as they complete. */
  mapAsyncUnordered<T>(parallelism: number, f: (element: Out) => T | PromiseLike<T>): Repr<K, In, T, Mat> {
    requireFunction(f, "mapAsyncUnordered's f");
    requireInteger("parallelism", parallelism, 1);
    return this.viaStage(() => new MapAsyncLogic(parallelism, f, false));
  }

  /** Keeps the elements `predicate` accepts. */
  filter(predicate: (element: Out) => boolean): Repr<K, In, Out, Mat> {
    requireFunction(predicate, "filter's predicate");
    return this.viaStep({ kind: FILTER, f: predicate });
  }

  /** Maps and filters at once: `f` returns `undefined` for elements to drop (Akka's partial function). */
  collect<T>(f: (element: Out) => T | undefined): Repr<K, In, T, Mat> {
    requireFunction(f, "collect's f");
    return this.viaStep({ kind: COLLECT, f });
  }

  /** Replaces each element with the elements of an iterable, emitted one by one on demand. */
  mapConcat<T>(f: (element: Out) => Iterable<T>): Repr<K, In, T, Mat> {
    requireFunction(f, "mapConcat's f");
    return this.viaStage(() => new MapConcatLogic(f));
  }

  /** Passes the first `count` elements, then completes (and cancels upstream). */
  take(count: number): Repr<K, In, Out, Mat> {
    requireInteger("count", count, 0);
    return this.viaStage(() => new TakeLogic(count));
  }

  /** Passes elements while `predicate` holds; with `inclusive`, also the first that fails it. */
  takeWhile(predicate: (element: Out) => boolean, inclusive = false): Repr<K, In, Out, Mat> {
    requireFunction(predicate, "takeWhile's predicate");
    return this.viaStage(() => new TakeWhileLogic(predicate, inclusive));
  }

  /** Skips the first `count` elements. */
  drop(count: number): Repr<K, In, Out, Mat> {
    requireInteger("count", count, 0);
    return this.viaStage(() => new DropLogic(count));
  }

  /** Skips elements while `predicate` holds. */
  dropWhile(predicate: (element: Out) => boolean): Repr<K, In, Out, Mat> {
    requireFunction(predicate, "dropWhile's predicate");
    return this.viaStage(() => new DropWhileLogic(predicate));
  }

  /** Emits arrays of `size` elements; the last may be shorter. */
  grouped(size: number): Repr<K, In, Out[], Mat> {
    requireInteger("size", size, 1);
    return this.viaStage(() => new GroupedLogic<Out>(size));
  }

  /** Emits `zero`, then the running result of `f` after each element. */
  scan<T>(zero: T, f: (acc: T, element: Out) => T): Repr<K, In, T, Mat> {
    requireFunction(f, "scan's f");
    return this.viaStage(() => new ScanLogic(zero, f));
  }

  /** Emits one element when upstream completes: `f` folded over all elements from `zero`. */
  fold<T>(zero: T, f: (acc: T, element: Out) => T): Repr<K, In, T, Mat> {
    requireFunction(f, "fold's f");
    return this.viaStage(() => new FoldLogic(zero, f));
  }

  /** Decouples up- and downstream with a buffer of `size` elements and a policy for when it is full. */
  buffer(size: number, overflowStrategy: OverflowStrategy): Repr<K, In, Out, Mat> {
    requireOverflowStrategy(overflowStrategy);
    requireInteger("size", size, 1);
    return this.viaStage(() => new BufferLogic<Out>(size, overflowStrategy));
  }

  /** Limits the rate to `elements` per `perMs` ms (bursts up to `elements`), back-pressuring the excess. */
  throttle(elements: number, perMs: number): Repr<K, In, Out, Mat> {
    requireInteger("elements", elements, 1);
    requirePositiveMs("perMs", perMs);
    return this.viaStage(() => new ThrottleLogic<Out>(elements, perMs));
  }

  /** Fails with a `StreamTimeoutError` when no element passes for `ms`. */
  idleTimeout(ms: number): Repr<K, In, Out, Mat> {
    requirePositiveMs("idleTimeout", ms);
    return this.viaStage(() => new IdleTimeoutLogic<Out>(ms));
  }

  /** Fails with a `StreamTimeoutError` unless the stream completes within `ms`. */
  completionTimeout(ms: number): Repr<K, In, Out, Mat> {
    requirePositiveMs("completionTimeout", ms);
    return this.viaStage(() => new CompletionTimeoutLogic<Out>(ms));
  }

  /** On failure, emits `f(error)` and completes; `f` returning `undefined` lets the failure through. */
  recover(f: (error: unknown) => Out | undefined): Repr<K, In, Out, Mat> {
    requireFunction(f, "recover's f");
    return this.viaStage(() => new RecoverLogic<Out>(f));
  }

  /** Logs elements, completion and failure under `name` (to `console.debug` unless a logger is given). */
  log(name: string, logger: LogSink = (line) => console.debug(line)): Repr<K, In, Out, Mat> {
    requireFunction(logger, "log's logger");
    return this.viaStage(() => new LogLogic<Out>(name, logger));
  }

  /** Materializes a promise that resolves when the stream completes (or is cancelled) and rejects when it fails. */
  watchTermination(): Repr<K, In, Out, Promise<void>> {
    return this.watchTerminationMat(Keep.right);
  }

  /** {@link watchTermination}, combining the promise with this materialized value. */
  watchTerminationMat<M3>(combine: (left: Mat, done: Promise<void>) => M3): Repr<K, In, Out, M3> {
    requireFunction(combine, "watchTerminationMat's combine");
    return this.viaBuild<Out, Promise<void>, M3>((ctx) => {
      const logic = ctx.add(new WatchTerminationLogic<Out>());
      return { in: logic.in, out: logic.out, mat: lazyPromise(logic.done) };
    }, combine);
  }

  /** Also sends every element to `sink`; back-pressured by both. */
  alsoTo(sink: Sink<Out, unknown>): Repr<K, In, Out, Mat> {
    requireShape(sink, "Sink", "alsoTo's sink");
    return this.alsoToMat(sink, Keep.left);
  }

  /** {@link alsoTo}, combining the sink's materialized value. */
  alsoToMat<M2, M3>(sink: Sink<Out, M2>, combine: (left: Mat, right: M2) => M3): Repr<K, In, Out, M3> {
    requireShape(sink, "Sink", "alsoToMat's sink");
    requireFunction(combine, "alsoToMat's combine");
    return this.viaBuild<Out, M2, M3>((ctx) => {
      const logic = ctx.add(new AlsoToLogic<Out>());
      const side = sink.build(ctx);
      ctx.connect(logic.side, side.in);
      return { in: logic.in, out: logic.out, mat: side.mat };
    }, combine);
  }

  /** Emits the elements of this stream and of `other` as they arrive; completes when both have. */
  merge(other: Source<Out, unknown>): Repr<K, In, Out, Mat> {
    requireShape(other, "Source", "merge's other");
    return this.mergeMat(other, Keep.left);
  }

  /** {@link merge}, combining `other`'s materialized value. */
  mergeMat<M2, M3>(other: Source<Out, M2>, combine: (left: Mat, right: M2) => M3): Repr<K, In, Out, M3> {
    requireShape(other, "Source", "mergeMat's other");
    requireFunction(combine, "mergeMat's combine");
    return this.viaBuild<Out, M2, M3>((ctx) => {
      const logic = ctx.add(new MergeLogic<Out>());
      const second = other.build(ctx);
      ctx.connect(second.out, logic.other);
      return { in: logic.in, out: logic.out, mat: second.mat };
    }, combine);
  }

  /** Emits this stream's elements, then `other`'s (pulled only after this one completes). */
  concat(other: Source<Out, unknown>): Repr<K, In, Out, Mat> {
    requireShape(other, "Source", "concat's other");
    return this.concatMat(other, Keep.left);
  }

  /** {@link concat}, combining `other`'s materialized value. */
  concatMat<M2, M3>(other: Source<Out, M2>, combine: (left: Mat, right: M2) => M3): Repr<K, In, Out, M3> {
    requireShape(other, "Source", "concatMat's other");
    requireFunction(combine, "concatMat's combine");
    return this.viaBuild<Out, M2, M3>((ctx) => {
      const logic = ctx.add(new ConcatLogic<Out>());
      const second = other.build(ctx);
      ctx.connect(second.out, logic.second);
      return { in: logic.in, out: logic.out, mat: second.mat };
    }, combine);
  }
}
