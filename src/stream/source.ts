/**
 * `Source<Out, Mat>`: a blueprint of a stream with one output. Immutable and reusable: every
 * `run` materializes new stages.
 */

import {
  BLUEPRINT_SHAPE,
  kindOf,
  requireFunction,
  requireOverflowStrategy,
  requireShape,
} from "./argument-checks.js";
import { combineMat } from "./combine-mat.js";
import { matValue } from "./deferred.js";
import { FlowOps, type Repr, type SyncSourceFactory } from "./flow-ops.js";
import { Keep, type NotUsed } from "./keep.js";
import type { Build, FlowPorts, SourcePorts } from "./materialization-context.js";
import { RunnableGraph } from "./runnable-graph.js";
import { Sink } from "./sink.js";
import type { SourceLogic } from "./stage-shapes.js";
import type { OverflowStrategy } from "./stages/buffer.js";
import type { ElementStep } from "./stages/fused-steps.js";
import { type SourceQueue, SourceQueueLogic } from "./stages/source-queue.js";
import {
  AsyncPullSourceLogic,
  type Cancellable,
  type MaybeHandle,
  MaybeSourceLogic,
  PromiseSourceLogic,
  TerminatedSourceLogic,
  TickSourceLogic,
} from "./stages/sources.js";
import {
  arrayPuller,
  iteratorPuller,
  rangePuller,
  repeatPuller,
  type SyncPuller,
  SyncSourceLogic,
} from "./stages/sync-source.js";
import { requireInteger, StreamArgumentError } from "./stream-errors.js";

export class Source<Out, Mat = NotUsed> extends FlowOps<unknown, Out, Mat, "source"> {
  /** @internal The shape the DSL's argument checks look for (on the prototype: no per-instance cost). */
  get [BLUEPRINT_SHAPE](): "Source" {
    return "Source";
  }
  /** @internal How the stages are made and wired at each materialization. */
  readonly build: Build<SourcePorts<Out, Mat>>;

  /** @internal */
  constructor(build: Build<SourcePorts<Out, Mat>>) {
    super();
    this.build = build;
  }

  /** A source pulling synchronously from `createPuller()`'s puller; map/filter/collect fuse into it. */
  private static sync<T>(createPuller: () => SyncPuller<T>): Source<T, NotUsed> {
    const source = Source.fromStage(() => new SyncSourceLogic<T>(createPuller(), []));
    source.syncSource = createPuller;
    return source;
  }

  /** @internal */
  protected override withSyncSource(factory: SyncSourceFactory, steps: readonly ElementStep[]): unknown {
    return Source.fromStage(() => new SyncSourceLogic<unknown>(factory(), steps));
  }

  /** @internal */
  protected viaBuild<T, M2, M3>(
    build: Build<FlowPorts<Out, T, M2>>,
    combine: (left: Mat, right: M2) => M3,
  ): Repr<"source", unknown, T, M3> {
    return new Source((ctx) => {
      const source = this.build(ctx);
      const flow = build(ctx);
      ctx.connect(source.out, flow.in);
      return { out: flow.out, mat: combineMat(combine, source.mat, flow.mat) };
    });
  }

  // ---- factories -------------------------------------------------------------------------------

  /** A source whose stage is `create()`'s logic (one outlet named `out`); see docs/streams.md. */
  static fromStage<T>(create: () => SourceLogic<T>): Source<T, NotUsed> {
    requireFunction(create, "Source.fromStage's create");
    return Source.fromStageMat(() => [create(), undefined]);
  }

  /** A source from a logic and its materialized value. */
  static fromStageMat<T, M>(create: () => readonly [SourceLogic<T>, M]): Source<T, M> {
    requireFunction(create, "Source.fromStageMat's create");
    return new Source((ctx) => {
      const [logic, mat] = create();
      ctx.add(logic);
      return { out: logic.out, mat };
    });
  }

  /** One element, then completion. */
  static single<T>(element: T): Source<T, NotUsed> {
    return Source.sync(() => arrayPuller([element]));
  }

  /** The elements of an iterable, on demand (an array is read by index; other iterables are iterated anew per run). */
  static from<T>(iterable: Iterable<T>): Source<T, NotUsed> {
    if (
      typeof (iterable as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !==
      "function"
    )
      throw new StreamArgumentError(`Source.from needs an iterable, got ${kindOf(iterable)}`);
    if (Array.isArray(iterable)) {
      const items = iterable.slice() as T[];
      return Source.sync(() => arrayPuller(items));
    }
    return Source.sync(() => iteratorPuller(iterable));
  }

  /** `start`, `start + step`, … up to and including `end` (Akka's `Source.range`). */
  static range(start: number, end: number, step = 1): Source<number, NotUsed> {
    if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) {
      throw new StreamArgumentError(
        `range(${start}, ${end}, ${step}): finite bounds and a non-zero step needed`,
      );
    }
    return Source.sync(() => rangePuller(start, end, step));
  }

  /** No elements: completes at once. */
  static empty<T>(): Source<T, NotUsed> {
    return Source.sync<T>(() => arrayPuller([]));
  }

  /** Fails at once with `error`. */
  static failed<T>(error: unknown): Source<T, NotUsed> {
    return Source.fromStage(() => new TerminatedSourceLogic<T>(error ?? new Error("Source.failed")));
  }

  /** `element`, forever. */
  static repeat<T>(element: T): Source<T, NotUsed> {
    return Source.sync(() => repeatPuller(element));
  }

  /** The value a promise resolves to (Akka's `Source.future`). */
  static fromPromise<T>(promise: PromiseLike<T>): Source<T, NotUsed> {
    requireFunction(
      (promise as { then?: unknown } | null | undefined)?.then,
      "Source.fromPromise's promise.then",
    );
    return Source.fromStage(() => new PromiseSourceLogic(promise));
  }

  /**
   * The elements of an async iterable, read one at a time on demand; cancelling calls the
   * iterator's `return()`. Node's Readable streams are async iterables, so this adapts them too.
   */
  static fromAsyncIterable<T>(iterable: AsyncIterable<T>): Source<T, NotUsed> {
    requireFunction(
      (iterable as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator],
      "Source.fromAsyncIterable's iterable[Symbol.asyncIterator]",
    );
    return Source.fromStage(() => {
      const iterator = iterable[Symbol.asyncIterator]();
      return new AsyncPullSourceLogic<T>(
        () => iterator.next() as PromiseLike<{ done: false; value: T } | { done: true }>,
        () => {
          iterator.return?.()?.catch?.(() => {});
        },
      );
    });
  }

  /** The chunks of a WHATWG ReadableStream, read on demand; cancelling cancels the stream. */
  static fromReadableStream<T>(stream: ReadableStream<T>): Source<T, NotUsed> {
    requireFunction(
      (stream as { getReader?: unknown } | null | undefined)?.getReader,
      "Source.fromReadableStream's stream.getReader",
    );
    return Source.fromStage(() => {
      const reader = stream.getReader();
      return new AsyncPullSourceLogic<T>(
        () => reader.read() as PromiseLike<{ done: false; value: T } | { done: true }>,
        (cause) => {
          reader.cancel(cause).catch(() => {});
        },
      );
    });
  }

  /** Emits `element` every `intervalMs` after `initialDelayMs`; ticks without demand are dropped. */
  static tick<T>(initialDelayMs: number, intervalMs: number, element: T): Source<T, Cancellable> {
    if (!(initialDelayMs >= 0) || !(intervalMs > 0)) {
      throw new StreamArgumentError(
        `tick(${initialDelayMs}, ${intervalMs}): delay >= 0 and interval > 0 needed`,
      );
    }
    return Source.fromStageMat(() => {
      const logic = new TickSourceLogic(initialDelayMs, intervalMs, element);
      return [logic, logic.cancellable] as const;
    });
  }

  /**
   * A source that emits at most one element, decided later through the materialized handle:
   * `complete(value)`, `complete(undefined)` (complete empty) or `fail(error)`. Until then it
   * emits nothing and does not complete: a WebSocket's outgoing side stays open.
   */
  static maybe<T>(): Source<T, MaybeHandle<T>> {
    return Source.fromStageMat(() => {
      const logic = new MaybeSourceLogic<T>();
      return [logic, logic.handle] as const;
    });
  }

  /** A source fed by `offer` on the materialized {@link SourceQueue}, buffering `bufferSize` elements. */
  static queue<T>(
    bufferSize: number,
    overflowStrategy: OverflowStrategy = "backpressure",
  ): Source<T, SourceQueue<T>> {
    requireInteger("bufferSize", bufferSize, 0);
    requireOverflowStrategy(overflowStrategy);
    return Source.fromStageMat(() => {
      const logic = new SourceQueueLogic<T>(bufferSize, overflowStrategy);
      return [logic, logic.queue] as const;
    });
  }

  // ---- terminal operations --------------------------------------------------------------------

  /** Connects to `sink`, keeping this materialized value. */
  to(sink: Sink<Out, unknown>): RunnableGraph<Mat> {
    requireShape(sink, "Sink", "to's sink");
    return this.toMat(sink, Keep.left);
  }

  /** Connects to `sink`, combining both materialized values. */
  toMat<M2, M3>(sink: Sink<Out, M2>, combine: (left: Mat, right: M2) => M3): RunnableGraph<M3> {
    requireShape(sink, "Sink", "toMat's sink");
    requireFunction(combine, "toMat's combine");
    return new RunnableGraph((ctx) => {
      const source = this.build(ctx);
      const target = sink.build(ctx);
      ctx.connect(source.out, target.in);
      return combineMat(combine, source.mat, target.mat);
    });
  }

  /** Runs into `sink` and returns the sink's materialized value. */
  runWith<M2>(sink: Sink<Out, M2>): M2 {
    requireShape(sink, "Sink", "runWith's sink");
    return this.toMat(sink, Keep.right).run();
  }

  /** Runs, discarding elements; resolves when the stream completes. */
  run(): Promise<void> {
    return this.runWith(Sink.ignore<Out>());
  }

  /** Runs, calling `f` for each element. */
  runForeach(f: (element: Out) => void): Promise<void> {
    return this.runWith(Sink.foreach(f));
  }

  /** Runs, folding all elements. */
  runFold<T>(zero: T, f: (acc: T, element: Out) => T): Promise<T> {
    return this.runWith(Sink.fold(zero, f));
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Source<Out, M2> {
    requireFunction(f, "mapMaterializedValue's f");
    return new Source((ctx) => {
      const ports = this.build(ctx);
      return { out: ports.out, mat: f(matValue(ports.mat)) };
    });
  }
}
