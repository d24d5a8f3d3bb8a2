/**
 * Base classes for the common stage shapes, and the typing that lets `Source.fromStage`,
 * `Flow.fromStage` and `Sink.fromStage` accept a logic.
 */
import { GraphStageLogic } from "./graph-stage-logic.js";
import type { InHandler, Inlet, OutHandler, Outlet } from "./ports.js";

/** A logic with one outlet named `out`. */
export type SourceLogic<Out> = GraphStageLogic & { readonly out: Outlet<Out> };
/** A logic with one inlet `in` and one outlet `out`. */
export type FlowLogic<In, Out> = GraphStageLogic & { readonly in: Inlet<In>; readonly out: Outlet<Out> };
/** A logic with one inlet named `in`. */
export type SinkLogic<In> = GraphStageLogic & { readonly in: Inlet<In> };
/** A logic with the four ports of a BidiFlow. */
export type BidiLogic<I1, O1, I2, O2> = GraphStageLogic & {
  readonly in1: Inlet<I1>;
  readonly out1: Outlet<O1>;
  readonly in2: Inlet<I2>;
  readonly out2: Outlet<O2>;
};

/**
 * One inlet, one outlet, one handler object: the shape of most operators. Subclasses implement
 * `onPush`; the default `onPull` pulls upstream.
 */
export abstract class LinearStageLogic<In, Out> extends GraphStageLogic implements InHandler, OutHandler {
  // Assigned, not initialised as class fields: see GraphStageLogic's constructor.
  declare readonly in: Inlet<In>;
  declare readonly out: Outlet<Out>;

  constructor() {
    super();
    this.in = this.inlet<In>("in");
    this.out = this.outlet<Out>("out");
    this.setHandlers(this.in, this.out, this);
  }

  abstract onPush(): void;

  onPull(): void {
    this.pull(this.in);
  }

  /** Forwarding is valid while the outlet's handler is this object with the default onPull. */
  protected override forwardsPull():
    | { readonly from: Outlet<unknown>; readonly to: Inlet<never> }
    | undefined {
    const c = this.out.connection;
    // What the loop would call on a pull: the default onPull, on this stage.
    return c?.onPull === LinearStageLogic.prototype.onPull ? { from: this.out, to: this.in } : undefined;
  }
}

/** One outlet; subclasses implement `onPull`. */
export abstract class SourceStageLogic<Out> extends GraphStageLogic implements OutHandler {
  declare readonly out: Outlet<Out>;

  constructor() {
    super();
    this.out = this.outlet<Out>("out");
    this.setHandler(this.out, this);
  }

  abstract onPull(): void;
}

/** One inlet; subclasses implement `onPush` (and usually pull in `preStart`). */
export abstract class SinkStageLogic<In> extends GraphStageLogic implements InHandler {
  declare readonly in: Inlet<In>;

  constructor() {
    super();
    this.in = this.inlet<In>("in");
    this.setHandler(this.in, this);
  }

  abstract onPush(): void;
}
