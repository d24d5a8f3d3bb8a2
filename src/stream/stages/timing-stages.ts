/**
 * Time-based operators: throttle, idleTimeout, completionTimeout. Timers live in the stage and
 * are cancelled when it stops.
 */
import { LinearStageLogic } from "../stage-shapes.js";
import { StreamTimeoutError } from "../stream-errors.js";

const clock = () => performance.now();

/**
 * `throttle(elements, perMs)`: at most `elements` per `perMs` on average, bursts of up to
 * `elements` allowed (a token bucket); excess elements wait (back-pressure), never dropped.
 */
export class ThrottleLogic<T> extends LinearStageLogic<T, T> {
  private tokens: number;
  private last = clock();
  private held: { element: T } | undefined;
  private upstreamDone = false;

  constructor(
    private readonly elements: number,
    private readonly perMs: number,
  ) {
    super();
    this.tokens = elements;
  }

  onPush(): void {
    const element = this.grab(this.in);
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.push(this.out, element);
    } else {
      this.held = { element };
      this.scheduleOnce("token", ((1 - this.tokens) * this.perMs) / this.elements);
    }
  }

  onUpstreamFinish(): void {
    this.upstreamDone = true;
    if (!this.held) this.completeStage();
  }

  protected override onTimer(): void {
    this.refill();
    const held = this.held!;
    this.held = undefined;
    this.tokens = Math.max(0, this.tokens - 1);
    this.push(this.out, held.element);
    if (this.upstreamDone) this.completeStage();
  }

  private refill(): void {
    const now = clock();
    this.tokens = Math.min(this.elements, this.tokens + ((now - this.last) * this.elements) / this.perMs);
    this.last = now;
  }
}

/**
 * `idleTimeout(ms)`: fails with {@link StreamTimeoutError} when no element passed for `ms`. One
 * timer per idle window, not one per element: when it fires early it is re-armed for the rest.
 */
export class IdleTimeoutLogic<T> extends LinearStageLogic<T, T> {
  private lastActivity = clock();

  constructor(private readonly timeoutMs: number) {
    super();
  }
  override preStart(): void {
    this.scheduleOnce("idle", this.timeoutMs);
  }
  onPush(): void {
    this.lastActivity = clock();
    this.push(this.out, this.grab(this.in));
  }
  protected override onTimer(): void {
    const idle = clock() - this.lastActivity;
    if (idle >= this.timeoutMs) {
      this.failStage(new StreamTimeoutError(`no element passed for ${this.timeoutMs} ms (idleTimeout)`));
    } else {
      this.scheduleOnce("idle", this.timeoutMs - idle);
    }
  }
}

/** `completionTimeout(ms)`: fails with {@link StreamTimeoutError} unless the stream completes within `ms`. */
export class CompletionTimeoutLogic<T> extends LinearStageLogic<T, T> {
  constructor(private readonly timeoutMs: number) {
    super();
  }
  override preStart(): void {
    this.scheduleOnce("completion", this.timeoutMs);
  }
  onPush(): void {
    this.push(this.out, this.grab(this.in));
  }
  protected override onTimer(): void {
    this.failStage(
      new StreamTimeoutError(`the stream did not complete within ${this.timeoutMs} ms (completionTimeout)`),
    );
  }
}
