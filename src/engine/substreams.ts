/**
 * Substreams: the data of a streamed message runs in its own graph, materialized by the
 * application (incoming) or by the message stage (outgoing). Both ends talk through async
 * callbacks, one element per demand, so back-pressure holds across the two interpreters.
 */
import {
  AlreadyMaterializedError,
  type NotUsed,
  SinkStageLogic,
  Source,
  SourceStageLogic,
} from "../stream/index.js";

/** What the parent (message stage) hears from an incoming message's source. */
export interface SubSourceParent {
  onMaterialized(): void;
  onDemand(): void;
  onCancel(): void;
}

/** The parent's side of an incoming streamed message: feed it one chunk per demand. */
export class SubSourceChannel<T> {
  private logic: SubSourceLogic<T> | undefined;
  private early: ((logic: SubSourceLogic<T>) => void)[] = [];
  private materialized = false;

  constructor(private readonly parent: SubSourceParent) {}

  /** The source the application runs; it can be materialized once. */
  readonly source: Source<T, NotUsed> = Source.fromStage(() => {
    if (this.materialized) {
      throw new AlreadyMaterializedError("the data of a streamed message can be consumed only once");
    }
    this.materialized = true;
    const logic = new SubSourceLogic<T>(this.parent, (l) => {
      this.logic = l;
      for (const f of this.early) f(l);
      this.early = [];
    });
    return logic;
  });

  push(chunk: T): void {
    this.call((l) => l.pushChunk(chunk));
  }
  complete(): void {
    this.call((l) => l.completeFromParent());
  }
  fail(error: unknown): void {
    this.call((l) => l.failFromParent(error));
  }

  private call(f: (logic: SubSourceLogic<T>) => void): void {
    if (this.logic) f(this.logic);
    else this.early.push(f);
  }
}

class SubSourceLogic<T> extends SourceStageLogic<T> {
  readonly pushChunk = this.getAsyncCallback<T>((chunk) => this.push(this.out, chunk));
  readonly completeFromParent = this.getAsyncCallback<void>(() => this.completeStage());
  readonly failFromParent = this.getAsyncCallback<unknown>((error) => this.failStage(error));

  constructor(
    private readonly parent: SubSourceParent,
    private readonly onStart: (logic: SubSourceLogic<T>) => void,
  ) {
    super();
  }
  override preStart(): void {
    this.onStart(this);
    this.parent.onMaterialized();
  }
  onPull(): void {
    this.parent.onDemand();
  }
  onDownstreamFinish(): void {
    this.parent.onCancel();
    this.completeStage();
  }
}

/** What the parent (message stage) hears from an outgoing message's source. */
export interface SubSinkParent<T> {
  onElement(element: T): void;
  onComplete(): void;
  onFailure(error: unknown): void;
}

/** Reads an outgoing streamed message one chunk per `request()`. */
export class SubSinkLogic<T> extends SinkStageLogic<T> {
  readonly request = this.getAsyncCallback<void>(() => {
    if (!this.isClosed(this.in) && !this.hasBeenPulled(this.in)) this.pull(this.in);
  });
  readonly cancelFromParent = this.getAsyncCallback<void>(() => this.completeStage());

  constructor(private readonly parent: SubSinkParent<T>) {
    super();
  }
  onPush(): void {
    this.parent.onElement(this.grab(this.in));
  }
  onUpstreamFinish(): void {
    this.parent.onComplete();
    this.completeStage();
  }
  onUpstreamFailure(error: unknown): void {
    this.parent.onFailure(error);
    this.failStage(error);
  }
}
