/**
 * Stages with more than two ports: merge (two inputs, as they come), concat (the first input,
 * then the second), alsoTo (one input to two outputs, back-pressured by both).
 */
import { GraphStageLogic } from "../graph-stage-logic.js";
import type { Inlet, Outlet } from "../ports.js";

/** Emits elements of both inputs as they arrive, alternating when both have one; completes when both did. */
export class MergeLogic<T> extends GraphStageLogic {
  readonly in: Inlet<T> = this.inlet<T>("merge.in0");
  readonly other: Inlet<T> = this.inlet<T>("merge.in1");
  readonly out: Outlet<T> = this.outlet<T>("merge.out");
  private preferOther = false;

  constructor() {
    super();
    for (const port of [this.in, this.other]) {
      this.setHandler(port, {
        onPush: () => {
          if (this.isAvailable(this.out)) this.emitFrom(port);
        },
        onUpstreamFinish: () => this.maybeComplete(),
      });
    }
    this.setHandler(this.out, {
      onPull: () => {
        const first = this.preferOther ? this.other : this.in;
        const second = this.preferOther ? this.in : this.other;
        if (this.isAvailable(first)) this.emitFrom(first);
        else if (this.isAvailable(second)) this.emitFrom(second);
      },
    });
  }

  override preStart(): void {
    this.pull(this.in);
    this.pull(this.other);
  }

  private emitFrom(port: Inlet<T>): void {
    this.push(this.out, this.grab(port));
    this.preferOther = port === this.in;
    if (!this.isClosed(port)) this.pull(port);
    else this.maybeComplete();
  }

  private maybeComplete(): void {
    const drained = (p: Inlet<T>) => this.isClosed(p) && !this.isAvailable(p);
    if (drained(this.in) && drained(this.other)) this.completeStage();
  }
}

/** Emits all of the first input, then all of the second. */
export class ConcatLogic<T> extends GraphStageLogic {
  readonly in: Inlet<T> = this.inlet<T>("concat.in0");
  readonly second: Inlet<T> = this.inlet<T>("concat.in1");
  readonly out: Outlet<T> = this.outlet<T>("concat.out");
  private current: Inlet<T> = this.in;
  private secondFailure: { readonly error: unknown } | undefined;

  constructor() {
    super();
    this.setHandler(this.in, {
      onPush: () => this.push(this.out, this.grab(this.in)),
      onUpstreamFinish: () => {
        this.current = this.second;
        if (this.secondFailure) this.failStage(this.secondFailure.error);
        else if (this.isClosed(this.second)) this.completeStage();
        else if (this.isAvailable(this.out)) this.pull(this.second);
      },
    });
    this.setHandler(this.second, {
      onPush: () => this.push(this.out, this.grab(this.second)),
      onUpstreamFinish: () => {
        if (this.current === this.second) this.completeStage();
      },
      // The second source's failure waits its turn: the first one's elements come first.
      onUpstreamFailure: (error) => {
        if (this.current === this.second) this.failStage(error);
        else this.secondFailure = { error };
      },
    });
    this.setHandler(this.out, { onPull: () => this.pull(this.current) });
  }
}

/** Sends each element to `out` and to `side`; waits for both to pull. A cancelled side is ignored. */
export class AlsoToLogic<T> extends GraphStageLogic {
  readonly in: Inlet<T> = this.inlet<T>("alsoTo.in");
  readonly out: Outlet<T> = this.outlet<T>("alsoTo.out");
  readonly side: Outlet<T> = this.outlet<T>("alsoTo.side");

  constructor() {
    super();
    this.setHandler(this.in, {
      onPush: () => {
        const element = this.grab(this.in);
        this.push(this.out, element);
        if (!this.isClosed(this.side)) this.push(this.side, element);
      },
    });
    const onPull = () => {
      const sideReady = this.isClosed(this.side) || this.isAvailable(this.side);
      if (this.isAvailable(this.out) && sideReady && !this.hasBeenPulled(this.in)) this.pull(this.in);
    };
    this.setHandler(this.out, { onPull });
    this.setHandler(this.side, {
      onPull,
      onDownstreamFinish: () => {
        if (this.isAvailable(this.out) && !this.hasBeenPulled(this.in)) this.pull(this.in);
      },
    });
  }
}
