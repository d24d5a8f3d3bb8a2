/**
 * `buffer(size, overflowStrategy)`: decouples upstream from downstream with a bounded queue.
 */
import { LinearStageLogic } from "../stage-shapes.js";
import { BufferOverflowError } from "../stream-errors.js";

/** What a full buffer does with a new element (Akka's OverflowStrategy). */
export type OverflowStrategy = "dropHead" | "dropTail" | "dropBuffer" | "dropNew" | "backpressure" | "fail";

/** A growable ring queue: O(1) push and shift without `Array.prototype.shift`'s copying. */
export class RingQueue<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }
  /** Removes the most recently pushed item. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const index = (this.head + this.count - 1) % this.items.length;
    const item = this.items[index];
    this.items[index] = undefined;
    this.count--;
    return item;
  }
  clear(): void {
    this.items = new Array(16);
    this.head = 0;
    this.count = 0;
  }
  private grow(): void {
    const next: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}

export class BufferLogic<T> extends LinearStageLogic<T, T> {
  private readonly queue = new RingQueue<T>();
  private upstreamDone = false;

  constructor(
    private readonly size: number,
    private readonly strategy: OverflowStrategy,
  ) {
    super();
  }

  override preStart(): void {
    this.pull(this.in);
  }

  onPush(): void {
    const element = this.grab(this.in);
    if (this.isAvailable(this.out) && this.queue.length === 0) {
      this.push(this.out, element);
    } else if (this.queue.length < this.size) {
      this.queue.push(element);
    } else {
      switch (this.strategy) {
        case "dropHead":
          this.queue.shift();
          this.queue.push(element);
          break;
        case "dropTail":
          this.queue.pop();
          this.queue.push(element);
          break;
        case "dropBuffer":
          this.queue.clear();
          this.queue.push(element);
          break;
        case "dropNew":
          break;
        case "fail":
          return this.failStage(new BufferOverflowError(`buffer of ${this.size} elements overflowed`));
        case "backpressure":
          // Not reached: with backpressure upstream is only pulled while there is room.
          this.queue.push(element);
          break;
      }
    }
    this.pullIfRoom();
  }

  override onPull(): void {
    if (this.queue.length > 0) this.push(this.out, this.queue.shift() as T);
    if (this.upstreamDone) {
      if (this.queue.length === 0) this.completeStage();
      return;
    }
    this.pullIfRoom();
  }

  onUpstreamFinish(): void {
    this.upstreamDone = true;
    if (this.queue.length === 0) this.completeStage();
  }

  private pullIfRoom(): void {
    if (this.upstreamDone || this.hasBeenPulled(this.in) || this.isClosed(this.in)) return;
    if (this.strategy !== "backpressure" || this.queue.length < this.size) this.pull(this.in);
  }
}
