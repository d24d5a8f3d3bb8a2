/**
 * Operators that limit or group the stream: take, takeWhile, drop, dropWhile, grouped.
 */
import { LinearStageLogic } from "../stage-shapes.js";

export class TakeLogic<T> extends LinearStageLogic<T, T> {
  private left: number;
  constructor(count: number) {
    super();
    this.left = count;
  }
  override preStart(): void {
    if (this.left === 0) this.completeStage();
  }
  onPush(): void {
    this.left--;
    this.push(this.out, this.grab(this.in));
    if (this.left === 0) this.completeStage();
  }
}

export class TakeWhileLogic<T> extends LinearStageLogic<T, T> {
  constructor(
    private readonly predicate: (element: T) => boolean,
    private readonly inclusive: boolean,
  ) {
    super();
  }
  onPush(): void {
    const element = this.grab(this.in);
    if (this.predicate(element)) return this.push(this.out, element);
    if (this.inclusive) this.push(this.out, element);
    this.completeStage();
  }
}

export class DropLogic<T> extends LinearStageLogic<T, T> {
  private left: number;
  constructor(count: number) {
    super();
    this.left = count;
  }
  onPush(): void {
    const element = this.grab(this.in);
    if (this.left > 0) {
      this.left--;
      this.pull(this.in);
    } else {
      this.push(this.out, element);
    }
  }
}

export class DropWhileLogic<T> extends LinearStageLogic<T, T> {
  private dropping = true;
  constructor(private readonly predicate: (element: T) => boolean) {
    super();
  }
  onPush(): void {
    const element = this.grab(this.in);
    if (this.dropping && this.predicate(element)) return this.pull(this.in);
    this.dropping = false;
    this.push(this.out, element);
  }
}

/** Groups elements into arrays of `size`; the last may be shorter. */
export class GroupedLogic<T> extends LinearStageLogic<T, T[]> {
  private group: T[] = [];
  private finishing = false;

  constructor(private readonly size: number) {
    super();
  }
  onPush(): void {
    this.group.push(this.grab(this.in));
    if (this.group.length < this.size) return this.pull(this.in);
    const full = this.group;
    this.group = [];
    this.push(this.out, full);
  }
  override onPull(): void {
    if (this.finishing) {
      this.push(this.out, this.group);
      this.completeStage();
    } else {
      this.pull(this.in);
    }
  }
  onUpstreamFinish(): void {
    if (this.group.length === 0) return this.completeStage();
    if (this.isAvailable(this.out)) {
      this.push(this.out, this.group);
      this.completeStage();
    } else {
      this.finishing = true;
    }
  }
}
