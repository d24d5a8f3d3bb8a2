/**
 * `mapAsync` (results in input order) and `mapAsyncUnordered` (results as they complete), with at
 * most `parallelism` calls of `f` in flight. A rejected promise or a throw fails the stream.
 */
import { LinearStageLogic } from "../stage-shapes.js";

interface Slot<T> {
  done: boolean;
  value: T | undefined;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

export class MapAsyncLogic<In, Out> extends LinearStageLogic<In, Out> {
  private readonly slots: Slot<Out>[] = [];
  private upstreamDone = false;
  private readonly onResult = this.getAsyncCallback<Slot<Out>>(() => this.drain());
  private readonly onFailure = this.getAsyncCallback<unknown>((error) => this.failStage(error));

  constructor(
    private readonly parallelism: number,
    private readonly f: (element: In) => Out | PromiseLike<Out>,
    private readonly ordered: boolean,
  ) {
    super();
  }

  onPush(): void {
    const result = this.f(this.grab(this.in));
    const slot: Slot<Out> = { done: false, value: undefined };
    this.slots.push(slot);
    if (isThenable(result)) {
      result.then(
        (value) => {
          slot.done = true;
          slot.value = value;
          this.onResult(slot);
        },
        (error) => this.onFailure(error),
      );
    } else {
      slot.done = true;
      slot.value = result;
    }
    this.drain();
  }

  override onPull(): void {
    this.drain();
  }

  onUpstreamFinish(): void {
    this.upstreamDone = true;
    this.drain();
  }

  /** Emits what can be emitted, then pulls while there is room. */
  private drain(): void {
    if (this.isAvailable(this.out)) {
      const index = this.ordered ? (this.slots[0]?.done ? 0 : -1) : this.slots.findIndex((s) => s.done);
      if (index !== -1) {
        const [slot] = this.slots.splice(index, 1);
        this.push(this.out, slot!.value as Out);
      }
    }
    if (this.upstreamDone) {
      if (this.slots.length === 0) this.completeStage();
      return;
    }
    if (this.slots.length < this.parallelism && !this.hasBeenPulled(this.in) && !this.isClosed(this.in)) {
      this.pull(this.in);
    }
  }
}
