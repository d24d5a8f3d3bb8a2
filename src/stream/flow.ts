/**
 * `Flow<In, Out, Mat>`: a blueprint of a processing step with one input and one output.
 * Immutable and reusable. A WebSocket connection is a `Flow<Message, Message, …>`.
 */

import { BLUEPRINT_SHAPE, requireFunction, requireShape } from "./argument-checks.js";
import { combineMat } from "./combine-mat.js";
import { matValue } from "./deferred.js";
import { FlowOps, type Repr, stageBuild } from "./flow-ops.js";
import { Keep, type NotUsed } from "./keep.js";
import type { Build, FlowPorts } from "./materialization-context.js";
import { RunnableGraph } from "./runnable-graph.js";
import { Sink } from "./sink.js";
import type { Source } from "./source.js";
import { type FlowLogic, LinearStageLogic } from "./stage-shapes.js";

/** The identity stage behind `Flow.create()`. */
class IdentityLogic<T> extends LinearStageLogic<T, T> {
  onPush(): void {
    this.push(this.out, this.grab(this.in));
  }
}

export class Flow<In, Out, Mat = NotUsed> extends FlowOps<In, Out, Mat, "flow"> {
  /** @internal The shape the DSL's argument checks look for (on the prototype: no per-instance cost). */
  get [BLUEPRINT_SHAPE](): "Flow" {
    return "Flow";
  }
  /** @internal How the stages are made and wired at each materialization. */
  readonly build: Build<FlowPorts<In, Out, Mat>>;

  /** @internal */
  constructor(build: Build<FlowPorts<In, Out, Mat>>) {
    super();
    this.build = build;
  }

  /** @internal */
  protected viaBuild<T, M2, M3>(
    build: Build<FlowPorts<Out, T, M2>>,
    combine: (left: Mat, right: M2) => M3,
  ): Repr<"flow", In, T, M3> {
    return new Flow((ctx) => {
      const first = this.build(ctx);
      const second = build(ctx);
      ctx.connect(first.out, second.in);
      return { in: first.in, out: second.out, mat: combineMat(combine, first.mat, second.mat) };
    });
  }

  /** The identity flow, to chain operators on (Akka's `Flow.create()`). */
  static create<T>(): Flow<T, T, NotUsed> {
    return new Flow(stageBuild(() => new IdentityLogic<T>()));
  }

  /** A flow applying `f` to each element. */
  static fromFunction<A, B>(f: (element: A) => B): Flow<A, B, NotUsed> {
    requireFunction(f, "Flow.fromFunction's f");
    return Flow.create<A>().map(f);
  }

  /** A flow whose stage is `create()`'s logic (ports `in` and `out`); see docs/streams.md. */
  static fromStage<A, B>(create: () => FlowLogic<A, B>): Flow<A, B, NotUsed> {
    requireFunction(create, "Flow.fromStage's create");
    return new Flow(stageBuild(create));
  }

  /** A flow from a logic and its materialized value. */
  static fromStageMat<A, B, M>(create: () => readonly [FlowLogic<A, B>, M]): Flow<A, B, M> {
    requireFunction(create, "Flow.fromStageMat's create");
    return new Flow((ctx) => {
      const [logic, mat] = create();
      ctx.add(logic);
      return { in: logic.in, out: logic.out, mat };
    });
  }

  /**
   * A flow whose input goes into `sink` and whose output comes from `source`, the two
   * independent (completing one does not complete the other). Keeps the sink's value.
   */
  static fromSinkAndSource<A, B>(sink: Sink<A, unknown>, source: Source<B, unknown>): Flow<A, B, NotUsed> {
    return Flow.fromSinkAndSourceMat(sink, source, Keep.none);
  }

  /** {@link fromSinkAndSource}, combining both materialized values. */
  static fromSinkAndSourceMat<A, B, M1, M2, M3>(
    sink: Sink<A, M1>,
    source: Source<B, M2>,
    combine: (sinkMat: M1, sourceMat: M2) => M3,
  ): Flow<A, B, M3> {
    requireShape(sink, "Sink", "fromSinkAndSource's sink");
    requireShape(source, "Source", "fromSinkAndSource's source");
    requireFunction(combine, "fromSinkAndSourceMat's combine");
    return new Flow((ctx) => {
      const input = sink.build(ctx);
      const output = source.build(ctx);
      return { in: input.in, out: output.out, mat: combineMat(combine, input.mat, output.mat) };
    });
  }

  /** Connects to `sink`: a Sink of this flow's input, keeping this materialized value. */
  to(sink: Sink<Out, unknown>): Sink<In, Mat> {
    return this.toMat(sink, Keep.left);
  }

  /** Connects to `sink`, combining both materialized values. */
  toMat<M2, M3>(sink: Sink<Out, M2>, combine: (left: Mat, right: M2) => M3): Sink<In, M3> {
    requireShape(sink, "Sink", "toMat's sink");
    requireFunction(combine, "toMat's combine");
    return new Sink((ctx) => {
      const flow = this.build(ctx);
      const target = sink.build(ctx);
      ctx.connect(flow.out, target.in);
      return { in: flow.in, mat: combineMat(combine, flow.mat, target.mat) };
    });
  }

  /** Closes the loop with `other`: this output feeds `other`'s input and back. Keeps this value. */
  join(other: Flow<Out, In, unknown>): RunnableGraph<Mat> {
    return this.joinMat(other, Keep.left);
  }

  /** {@link join}, combining both materialized values. */
  joinMat<M2, M3>(other: Flow<Out, In, M2>, combine: (left: Mat, right: M2) => M3): RunnableGraph<M3> {
    requireShape(other, "Flow", "joinMat's other");
    requireFunction(combine, "joinMat's combine");
    return new RunnableGraph((ctx) => {
      const first = this.build(ctx);
      const second = other.build(ctx);
      ctx.connect(first.out, second.in);
      ctx.connect(second.out, first.in);
      return combineMat(combine, first.mat, second.mat);
    });
  }

  /** Runs `source` through this flow into `sink`; returns both ends' materialized values. */
  runWith<M1, M2>(source: Source<In, M1>, sink: Sink<Out, M2>): [M1, M2] {
    requireShape(source, "Source", "runWith's source");
    requireShape(sink, "Sink", "runWith's sink");
    return source.viaMat(this, Keep.left).toMat(sink, Keep.both).run();
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Flow<In, Out, M2> {
    requireFunction(f, "mapMaterializedValue's f");
    return new Flow((ctx) => {
      const ports = this.build(ctx);
      return { in: ports.in, out: ports.out, mat: f(matValue(ports.mat)) };
    });
  }
}
