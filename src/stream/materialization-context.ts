/**
 * Collects the stage logics and connections of one materialization, then starts them in the
 * interpreter. Blueprints (Source, Flow, Sink, BidiFlow) add to it when built.
 */
import { interpreter } from "./graph-interpreter.js";
import type { GraphStageLogic } from "./graph-stage-logic.js";
import type { Inlet, Outlet } from "./ports.js";
import { IllegalStageStateError } from "./stream-errors.js";

export class MaterializationContext {
  private readonly logics: GraphStageLogic[] = [];

  /** Registers a stage logic of this graph. */
  add<L extends GraphStageLogic>(logic: L): L {
    this.logics.push(logic);
    return logic;
  }

  /** Wires `from` to `to`. */
  connect<T>(from: Outlet<T>, to: Inlet<T>): void {
    if (from.connection || to.connection) {
      throw new IllegalStageStateError(`${from.connection ? from : to} is already connected`);
    }
    from.wired = true;
    to.connection = from;
  }

  /** Starts the graph. */
  start(): void {
    interpreter.start(this.logics);
  }
}

/** The open ports and materialized value of a built blueprint. */
export interface SourcePorts<Out, Mat> {
  readonly out: Outlet<Out>;
  readonly mat: Mat;
}
export interface FlowPorts<In, Out, Mat> {
  readonly in: Inlet<In>;
  readonly out: Outlet<Out>;
  readonly mat: Mat;
}
export interface SinkPorts<In, Mat> {
  readonly in: Inlet<In>;
  readonly mat: Mat;
}
export interface BidiPorts<I1, O1, I2, O2, Mat> {
  readonly in1: Inlet<I1>;
  readonly out1: Outlet<O1>;
  readonly in2: Inlet<I2>;
  readonly out2: Outlet<O2>;
  readonly mat: Mat;
}

/** A blueprint's build step: adds its stages to the context and returns its open ports. */
export type Build<P> = (ctx: MaterializationContext) => P;
