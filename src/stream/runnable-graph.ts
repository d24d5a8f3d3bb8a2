/** A closed graph, ready to run: `run()` materializes it and returns its materialized value. */

import { BLUEPRINT_SHAPE, requireFunction } from "./argument-checks.js";
import { matValue } from "./deferred.js";
import { type Build, MaterializationContext } from "./materialization-context.js";

export class RunnableGraph<Mat> {
  /** @internal The shape the DSL's argument checks look for (on the prototype: no per-instance cost). */
  get [BLUEPRINT_SHAPE](): "RunnableGraph" {
    return "RunnableGraph";
  }
  /** @internal How the stages are made and wired at each run. */
  readonly build: Build<Mat>;

  /** @internal */
  constructor(build: Build<Mat>) {
    this.build = build;
  }

  /** Materializes and starts the graph; each call is an independent run. */
  run(): Mat {
    const ctx = new MaterializationContext();
    const mat = this.build(ctx);
    ctx.start();
    return matValue(mat);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): RunnableGraph<M2> {
    requireFunction(f, "mapMaterializedValue's f");
    return new RunnableGraph((ctx) => f(matValue(this.build(ctx))));
  }
}
