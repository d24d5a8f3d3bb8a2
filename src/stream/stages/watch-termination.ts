/**
 * `watchTermination()`: passes elements through and materializes a promise that resolves when
 * the stream completes or is cancelled downstream, and rejects when it fails.
 */
import { type Deferred, lazyDeferred } from "../deferred.js";
import { LinearStageLogic } from "../stage-shapes.js";
import { AbruptStageTerminationError } from "../stream-errors.js";

export class WatchTerminationLogic<T> extends LinearStageLogic<T, T> {
  readonly done: Deferred<void> = lazyDeferred<void>();

  onPush(): void {
    this.push(this.out, this.grab(this.in));
  }
  onUpstreamFinish(): void {
    this.done.resolve();
    this.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    this.done.reject(error);
    this.failStage(error);
  }
  onDownstreamFinish(cause: unknown): void {
    if (cause === undefined) this.done.resolve();
    else this.done.reject(cause);
    this.cancelStage(cause);
  }
  override postStop(): void {
    if (!this.done.settled)
      this.done.reject(
        new AbruptStageTerminationError("watchTermination stage stopped before the stream ended"),
      );
  }
}
