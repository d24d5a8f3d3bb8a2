/**
 * `BidiFlow<I1, O1, I2, O2, Mat>`: two flows in opposite directions, a protocol layer. Stack
 * layers with `atop`; close the stack over a transport with `join`, which gives a Flow.
 *
 * ```
 *        +------+
 *  I1 ~> |      | ~> O1
 *        | bidi |
 *  O2 <~ |      | <~ I2
 *        +------+
 * ```
 */

import { BLUEPRINT_SHAPE, requireFunction, requireShape } from "./argument-checks.js";
import { combineMat } from "./combine-mat.js";
import { matValue } from "./deferred.js";
import type { Flow } from "./flow.js";
import { Flow as FlowClass } from "./flow.js";
import { Keep, type NotUsed } from "./keep.js";
import type { BidiPorts, Build } from "./materialization-context.js";
import type { BidiLogic } from "./stage-shapes.js";

export class BidiFlow<I1, O1, I2, O2, Mat = NotUsed> {
  /** @internal The shape the DSL's argument checks look for (on the prototype: no per-instance cost). */
  get [BLUEPRINT_SHAPE](): "BidiFlow" {
    return "BidiFlow";
  }
  /** @internal How the stages are made and wired at each materialization. */
  readonly build: Build<BidiPorts<I1, O1, I2, O2, Mat>>;

  /** @internal */
  constructor(build: Build<BidiPorts<I1, O1, I2, O2, Mat>>) {
    this.build = build;
  }

  /** A BidiFlow of two independent flows: `top` from I1 to O1, `bottom` from I2 to O2. */
  static fromFlows<I1, O1, I2, O2>(
    top: Flow<I1, O1, unknown>,
    bottom: Flow<I2, O2, unknown>,
  ): BidiFlow<I1, O1, I2, O2, NotUsed> {
    return BidiFlow.fromFlowsMat(top, bottom, Keep.none);
  }

  /** {@link fromFlows}, combining both flows' materialized values. */
  static fromFlowsMat<I1, O1, I2, O2, M1, M2, M>(
    top: Flow<I1, O1, M1>,
    bottom: Flow<I2, O2, M2>,
    combine: (top: M1, bottom: M2) => M,
  ): BidiFlow<I1, O1, I2, O2, M> {
    requireShape(top, "Flow", "fromFlows's top");
    requireShape(bottom, "Flow", "fromFlows's bottom");
    requireFunction(combine, "fromFlowsMat's combine");
    return new BidiFlow((ctx) => {
      const t = top.build(ctx);
      const b = bottom.build(ctx);
      return { in1: t.in, out1: t.out, in2: b.in, out2: b.out, mat: combineMat(combine, t.mat, b.mat) };
    });
  }

  /** A BidiFlow of two functions. */
  static fromFunctions<I1, O1, I2, O2>(
    outbound: (x: I1) => O1,
    inbound: (x: I2) => O2,
  ): BidiFlow<I1, O1, I2, O2, NotUsed> {
    return BidiFlow.fromFlows(FlowClass.fromFunction(outbound), FlowClass.fromFunction(inbound));
  }

  /** A BidiFlow whose stage is `create()`'s logic (ports `in1`, `out1`, `in2`, `out2`). */
  static fromStageMat<I1, O1, I2, O2, M>(
    create: () => readonly [BidiLogic<I1, O1, I2, O2>, M],
  ): BidiFlow<I1, O1, I2, O2, M> {
    requireFunction(create, "BidiFlow.fromStageMat's create");
    return new BidiFlow((ctx) => {
      const [logic, mat] = create();
      ctx.add(logic);
      return { in1: logic.in1, out1: logic.out1, in2: logic.in2, out2: logic.out2, mat };
    });
  }

  /** Stacks `below` under this layer: this O1 feeds `below`'s I1, its O2 feeds this I2. Keeps this value. */
  atop<O1b, I2b>(below: BidiFlow<O1, O1b, I2b, I2, unknown>): BidiFlow<I1, O1b, I2b, O2, Mat> {
    return this.atopMat(below, Keep.left);
  }

  /** {@link atop}, combining both materialized values. */
  atopMat<O1b, I2b, M2, M3>(
    below: BidiFlow<O1, O1b, I2b, I2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): BidiFlow<I1, O1b, I2b, O2, M3> {
    requireShape(below, "BidiFlow", "atop's below");
    requireFunction(combine, "atopMat's combine");
    return new BidiFlow((ctx) => {
      const top = this.build(ctx);
      const bottom = below.build(ctx);
      ctx.connect(top.out1, bottom.in1);
      ctx.connect(bottom.out2, top.in2);
      return {
        in1: top.in1,
        out1: bottom.out1,
        in2: bottom.in2,
        out2: top.out2,
        mat: combineMat(combine, top.mat, bottom.mat),
      };
    });
  }

  /** Closes the bottom with `flow` (O1 → flow → I2), leaving a Flow from I1 to O2. Keeps this value. */
  join(flow: Flow<O1, I2, unknown>): Flow<I1, O2, Mat> {
    return this.joinMat(flow, Keep.left);
  }

  /** {@link join}, combining both materialized values. */
  joinMat<M2, M3>(flow: Flow<O1, I2, M2>, combine: (left: Mat, right: M2) => M3): Flow<I1, O2, M3> {
    requireShape(flow, "Flow", "join's flow");
    requireFunction(combine, "joinMat's combine");
    return new FlowClass((ctx) => {
      const bidi = this.build(ctx);
      const inner = flow.build(ctx);
      ctx.connect(bidi.out1, inner.in);
      ctx.connect(inner.out, bidi.in2);
      return { in: bidi.in1, out: bidi.out2, mat: combineMat(combine, bidi.mat, inner.mat) };
    });
  }

  /** The same layer seen from the other side: (I2 → O2) on top, (I1 → O1) below. */
  reversed(): BidiFlow<I2, O2, I1, O1, Mat> {
    return new BidiFlow((ctx) => {
      const p = this.build(ctx);
      return { in1: p.in2, out1: p.out2, in2: p.in1, out2: p.out1, mat: p.mat };
    });
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): BidiFlow<I1, O1, I2, O2, M2> {
    requireFunction(f, "mapMaterializedValue's f");
    return new BidiFlow((ctx) => {
      const p = this.build(ctx);
      return { ...p, mat: f(matValue(p.mat)) };
    });
  }
}
