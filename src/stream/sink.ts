/**
 * `Sink<In, Mat>`: a blueprint of a stream's end, with one input. Immutable and reusable.
 */

import { BLUEPRINT_SHAPE, requireFunction, requireShape } from "./argument-checks.js";
import { type Deferred, lazyPromise, matValue } from "./deferred.js";
import { Flow } from "./flow.js";
import { Keep, type NotUsed } from "./keep.js";
import type { Build, SinkPorts } from "./materialization-context.js";
import type { Source } from "./source.js";
import type { SinkLogic } from "./stage-shapes.js";
import { queueIterator, type SinkQueue, SinkQueueLogic } from "./stages/sink-queue.js";
import {
  CancelledSinkLogic,
  type Consumer,
  ConsumingSinkLogic,
  foldConsumer,
  foreachConsumer,
  HeadSinkLogic,
  lastConsumer,
  seqConsumer,
} from "./stages/sinks.js";
import { queueReadableStream, WritableStreamSinkLogic } from "./stages/web-streams.js";
import { requireInteger } from "./stream-errors.js";

function ignoreElement(): void {}
/** `Sink.ignore`'s consumer: stateless, so one for every run. */
const IGNORE = foreachConsumer<unknown>(ignoreElement);

/**
 * A sink whose materialized value is its stage's result promise, made only if the composition
 * keeps it (see `lazyPromise`).
 */
function resultSink<T, R>(
  create: () => SinkLogic<T> & { readonly result: Deferred<R> },
): Sink<T, Promise<R>> {
  return Sink.fromStageMat(() => {
    const logic = create();
    return [logic, lazyPromise(logic.result)] as const;
  });
}

export class Sink<In, Mat = NotUsed> {
  /** @internal The shape the DSL's argument checks look for (on the prototype: no per-instance cost). */
  get [BLUEPRINT_SHAPE](): "Sink" {
    return "Sink";
  }
  /** @internal How the stages are made and wired at each materialization. */
  readonly build: Build<SinkPorts<In, Mat>>;

  /** @internal */
  constructor(build: Build<SinkPorts<In, Mat>>) {
    this.build = build;
  }

  /** A sink whose stage is `create()`'s logic (one inlet named `in`); see docs/streams.md. */
  static fromStage<T>(create: () => SinkLogic<T>): Sink<T, NotUsed> {
    requireFunction(create, "Sink.fromStage's create");
    return Sink.fromStageMat(() => [create(), undefined]);
  }

  /** A sink from a logic and its materialized value. */
  static fromStageMat<T, M>(create: () => readonly [SinkLogic<T>, M]): Sink<T, M> {
    requireFunction(create, "Sink.fromStageMat's create");
    return new Sink((ctx) => {
      const [logic, mat] = create();
      ctx.add(logic);
      return { in: logic.in, mat };
    });
  }

  /** Calls `f` for each element; resolves when the stream completes, rejects when it fails or `f` throws. */
  static foreach<T>(f: (element: T) => void): Sink<T, Promise<void>> {
    requireFunction(f, "Sink.foreach's f");
    // Stateless, so one consumer serves every run (a WebSocket's sink lives as long as it does).
    const consumer = foreachConsumer(f);
    return resultSink(() => new ConsumingSinkLogic(consumer));
  }

  /** Calls an asynchronous `f` for each element, at most `parallelism` at once, waiting for each. */
  static foreachAsync<T>(
    parallelism: number,
    f: (element: T) => PromiseLike<void> | void,
  ): Sink<T, Promise<void>> {
    requireInteger("parallelism", parallelism, 1);
    requireFunction(f, "Sink.foreachAsync's f");
    return Flow.create<T>().mapAsyncUnordered(parallelism, f).toMat(Sink.ignore(), Keep.right) as Sink<
      T,
      Promise<void>
    >;
  }

  /** Consumes and discards everything; resolves when the stream completes. */
  static ignore<T>(): Sink<T, Promise<void>> {
    return resultSink(() => new ConsumingSinkLogic<T, void>(IGNORE));
  }

  /** Collects every element (Akka's `Sink.seq`). */
  static seq<T>(): Sink<T, Promise<T[]>> {
    return resultSink(() => new ConsumingSinkLogic(seqConsumer<T>()));
  }

  /** The first element, then cancels; rejects with `NoSuchElementError` on an empty stream. */
  static head<T>(): Sink<T, Promise<T>> {
    return resultSink(() => new HeadSinkLogic<T>(true)) as Sink<T, Promise<T>>;
  }

  /** The first element or `undefined`, then cancels. */
  static headOption<T>(): Sink<T, Promise<T | undefined>> {
    return resultSink(() => new HeadSinkLogic<T>(false));
  }

  /** The last element; rejects with `NoSuchElementError` on an empty stream. */
  static last<T>(): Sink<T, Promise<T>> {
    return resultSink(() => new ConsumingSinkLogic(lastConsumer<T>(true))) as Sink<T, Promise<T>>;
  }

  /** The last element or `undefined`. */
  static lastOption<T>(): Sink<T, Promise<T | undefined>> {
    return resultSink(() => new ConsumingSinkLogic(lastConsumer<T>(false)));
  }

  /** `f` folded over all elements from `zero`. */
  static fold<T, Acc>(zero: Acc, f: (acc: Acc, element: T) => Acc): Sink<T, Promise<Acc>> {
    requireFunction(f, "Sink.fold's f");
    return resultSink(() => new ConsumingSinkLogic(foldConsumer(zero, f)));
  }

  /** Cancels upstream at once. */
  static cancelled<T>(): Sink<T, NotUsed> {
    return Sink.fromStage(() => new CancelledSinkLogic<T>());
  }

  /** A sink read with `pull()` on the materialized {@link SinkQueue}; keeps up to `bufferSize` elements ahead. */
  static queue<T>(bufferSize = 16): Sink<T, SinkQueue<T>> {
    requireInteger("bufferSize", bufferSize, 1);
    return Sink.fromStageMat(() => {
      const logic = new SinkQueueLogic<T>(bufferSize);
      return [logic, logic.queue] as const;
    });
  }

  /**
   * Materializes an async iterator: `for await (const x of source.runWith(Sink.asAsyncIterable()))`.
   * Breaking out of the loop cancels the stream.
   */
  static asAsyncIterable<T>(bufferSize = 16): Sink<T, AsyncIterableIterator<T>> {
    return Sink.queue<T>(bufferSize).mapMaterializedValue(queueIterator);
  }

  /** Materializes a WHATWG ReadableStream read on demand; cancelling it cancels the stream. */
  static asReadableStream<T>(bufferSize = 1): Sink<T, ReadableStream<T>> {
    return Sink.queue<T>(bufferSize).mapMaterializedValue(queueReadableStream);
  }

  /** Writes into a WHATWG WritableStream, honouring its back-pressure; resolves once it is closed. */
  static fromWritableStream<T>(stream: WritableStream<T>): Sink<T, Promise<void>> {
    requireFunction(
      (stream as { getWriter?: unknown } | null | undefined)?.getWriter,
      "Sink.fromWritableStream's stream.getWriter",
    );
    return resultSink(() => new WritableStreamSinkLogic(stream));
  }

  /** A sink consuming every element with a fresh `consumer` per run; the promise gets `finish()`'s result. */
  static fromConsumer<T, R>(createConsumer: () => Consumer<T, R>): Sink<T, Promise<R>> {
    requireFunction(createConsumer, "Sink.fromConsumer's createConsumer");
    return resultSink(() => new ConsumingSinkLogic(createConsumer()));
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Sink<In, M2> {
    requireFunction(f, "mapMaterializedValue's f");
    return new Sink((ctx) => {
      const ports = this.build(ctx);
      return { in: ports.in, mat: f(matValue(ports.mat)) };
    });
  }

  /** Runs `source` into this sink; returns this sink's materialized value. */
  runWith<M1>(source: Source<In, M1>): Mat {
    requireShape(source, "Source", "runWith's source");
    return source.toMat(this, Keep.right).run();
  }
}
