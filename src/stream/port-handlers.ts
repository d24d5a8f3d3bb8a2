/**
 * Handler objects that call a stage's own methods, with no closure per port: a stage with many
 * ports (a BidiFlow stage has four) and many instances (one per connection) would otherwise keep
 * two or three closures and a context per port alive for its whole life.
 *
 * ```ts
 * this.setHandler(this.in2, new InPortHandler(this, MyStage.prototype.onBytes, MyStage.prototype.onEnd));
 * ```
 * A missing `finish`/`failure`/`cancel` gives the default behaviour (complete, fail, cancel the stage).
 */
import type { GraphStageLogic } from "./graph-stage-logic.js";
import type { InHandler, OutHandler } from "./ports.js";

export class InPortHandler<L extends GraphStageLogic> implements InHandler {
  constructor(
    /** @internal */ readonly logic: L,
    /** @internal */ readonly push: (this: L) => void,
    /** @internal */ readonly finish?: (this: L) => void,
    /** @internal */ readonly failure?: (this: L, error: unknown) => void,
  ) {}
  onPush(): void {
    this.push.call(this.logic);
  }
  onUpstreamFinish(): void {
    if (this.finish) this.finish.call(this.logic);
    else this.logic.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    if (this.failure) this.failure.call(this.logic, error);
    else this.logic.failStage(error);
  }
}

export class OutPortHandler<L extends GraphStageLogic> implements OutHandler {
  constructor(
    /** @internal */ readonly logic: L,
    /** @internal */ readonly pull: (this: L) => void,
    /** @internal */ readonly cancel?: (this: L, cause: unknown) => void,
  ) {}
  onPull(): void {
    this.pull.call(this.logic);
  }
  onDownstreamFinish(cause: unknown): void {
    if (this.cancel) this.cancel.call(this.logic, cause);
    else this.logic.cancelStage(cause);
  }
}
