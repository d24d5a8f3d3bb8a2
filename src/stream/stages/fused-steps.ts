/**
 * Operator fusion: consecutive `map`, `filter` and `collect` run as one stage that applies the
 * functions in a loop, instead of one stage (and two interpreter events) each. The behaviour is
 * that of the separate stages: element order, back-pressure and errors are unchanged.
 */
import { LinearStageLogic } from "../stage-shapes.js";

export const MAP = 0;
export const FILTER = 1;
export const COLLECT = 2;

/** One element-wise step. `COLLECT` drops an element when `f` returns undefined. */
export interface ElementStep {
  readonly kind: typeof MAP | typeof FILTER | typeof COLLECT;
  // biome-ignore lint/suspicious/noExplicitAny: each step's input is the previous step's output type.
  readonly f: (element: any) => unknown;
}

export class FusedStepsLogic<In, Out> extends LinearStageLogic<In, Out> {
  constructor(private readonly steps: readonly ElementStep[]) {
    super();
  }

  onPush(): void {
    let element: unknown = this.grab(this.in);
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.kind === MAP) {
        element = step.f(element);
      } else if (step.kind === FILTER) {
        if (!step.f(element)) return this.pull(this.in);
      } else {
        element = step.f(element);
        if (element === undefined) return this.pull(this.in);
      }
    }
    this.push(this.out, element as Out);
  }
}
