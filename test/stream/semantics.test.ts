import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BidiFlow,
  Flow,
  GraphStageLogic,
  type Inlet,
  InPortHandler,
  Keep,
  LinearStageLogic,
  type Outlet,
  OutPortHandler,
  Sink,
  Source,
  SourceStageLogic,
} from "../../src/stream/index.js";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A custom one-in-one-out stage that cannot be fused: every element really crosses a stage boundary. */
class Step extends LinearStageLogic<number, number> {
  onPush(): void {
    this.push(this.out, this.grab(this.in) + 1);
  }
}

describe("back-pressure", () => {
  it("a fast endless source into a slow sink keeps memory flat (10 million elements)", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    await Source.repeat(1)
      .take(10_000_000)
      .runWith(
        Sink.foreachAsync(1, (x: number) => {
          count += x;
          if (count % 1000 !== 0) return;
          peak = Math.max(peak, process.memoryUsage().heapUsed);
          return new Promise<void>((r) => setImmediate(r));
        }),
      );
    assert.equal(count, 10_000_000);
    // Unbounded buffering of 10 M numbers would take well over 80 MB.
    assert.ok(peak - before < 32 * 1024 * 1024, `heap grew by ${((peak - before) / 1e6).toFixed(1)} MB`);
  });

  it("an async source is read only as fast as the sink consumes", async () => {
    let produced = 0;
    async function* producer() {
      for (;;) yield ++produced;
    }
    const queue = Source.fromAsyncIterable(producer()).runWith(Sink.queue<number>(2));
    await tick(20);
    assert.ok(produced <= 4, `produced ${produced} without being asked`);
    queue.cancel();
  });
});

describe("stack safety and fairness", () => {
  it("10 million elements through 10 unfused stages", async () => {
    let source: Source<number, unknown> = Source.repeat(0).take(10_000_000);
    for (let i = 0; i < 10; i++) source = source.via(Flow.fromStage(() => new Step()));
    assert.equal(await source.runWith(Sink.last()), 10);
  });

  it("graphs that wake each other interleave on the one loop, each with its own events", async () => {
    // A is woken from outside for each element and goes idle in between; each element wakes B
    // from inside A's handler (B's events follow A's current one on the same loop). Both have
    // several stages and a broadcast-like fan-out, so both have events queued while the other runs.
    const [b, seenB] = Source.queue<number>(1_000, "dropNew")
      .via(Flow.fromStage(() => new Step()))
      .mapConcat((x: number) => [x, -x])
      .alsoTo(Sink.ignore())
      .toMat(Sink.seq(), Keep.both)
      .run();
    const [a, seenA] = Source.queue<number>(1_000, "dropNew")
      .via(Flow.fromStage(() => new Step()))
      .alsoTo(Sink.ignore())
      .map((x: number) => {
        void b.offer(x);
        return x;
      })
      .mapConcat((x: number) => [x, x * 10])
      .via(Flow.fromStage(() => new Step()))
      .toMat(Sink.seq(), Keep.both)
      .run();
    for (let i = 0; i < 300; i++) {
      await a.offer(i);
      if (i % 3 === 0) await tick();
    }
    a.complete();
    const resultA = await seenA;
    b.complete();
    assert.deepEqual(resultA, Array.from({ length: 300 }, (_, i) => [i + 2, (i + 1) * 10 + 1]).flat());
    assert.deepEqual(await seenB, Array.from({ length: 300 }, (_, i) => [i + 2, -(i + 2)]).flat());
  });

  it("an event for another graph is delivered after the current handler, never inside it", async () => {
    const log: string[] = [];
    const b = Source.queue<number>(10, "dropNew")
      .toMat(
        Sink.foreach((x: number) => log.push(`b${x}`)),
        Keep.left,
      )
      .run();
    await Source.from([1, 2])
      .map((x: number) => {
        void b.offer(x);
        log.push(`a${x}`);
        return x;
      })
      .runWith(Sink.ignore());
    b.complete();
    await tick();
    assert.deepEqual(
      log.filter((e) => e.startsWith("b")),
      ["b1", "b2"],
    );
    assert.ok(log.indexOf("b1") > log.indexOf("a1"), log.join(" "));
    assert.ok(log.indexOf("b2") > log.indexOf("a2"), log.join(" "));
  });

  it("a long synchronous stream does not starve another graph's input", async () => {
    // Every graph runs on one loop: input handed in from outside (here a timer offering to a
    // queue) must get its turn between the endless stream's slices, as it did when each graph
    // had a loop of its own.
    let delivered = false;
    let elementsBefore = -1;
    let elements = 0;
    const queue = Source.queue<number>(1, "dropNew")
      .toMat(
        Sink.foreach(() => {
          delivered = true;
          elementsBefore = elements;
        }),
        Keep.left,
      )
      .run();
    setTimeout(() => void queue.offer(1), 0);
    const limit = 20_000_000;
    await Source.repeat(1)
      .takeWhile(() => !delivered)
      .take(limit)
      .runWith(
        Sink.foreach(() => {
          elements++;
        }),
      );
    queue.complete();
    assert.ok(delivered, "the offered element arrived");
    assert.ok(
      elementsBefore < limit / 4,
      `it arrived while the endless stream ran (after ${elementsBefore})`,
    );
  });

  it("a long synchronous stream lets timers run", async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    let sawTimer = false;
    await Source.repeat(1)
      .take(3_000_000)
      .runWith(
        Sink.foreach(() => {
          if (timerRan) sawTimer = true;
        }),
      );
    assert.ok(sawTimer, "the timer ran while the stream was running");
  });
});

describe("failure, completion and cancellation", () => {
  it("an exception in a user function fails the stream, never the process", async () => {
    await assert.rejects(
      Source.range(1, 3)
        .map((x) => {
          if (x === 2) throw new TypeError("bad element");
          return x;
        })
        .runWith(Sink.seq()),
      TypeError,
    );
  });

  it("failures propagate downstream and cancel upstream", async () => {
    const [upstreamDone, result] = Source.repeat(1)
      .watchTermination()
      .toMat(
        Flow.create<number>()
          .map(() => {
            throw new Error("midstream");
          })
          .toMat(Sink.ignore(), Keep.right),
        Keep.both,
      )
      .run();
    await assert.rejects(result, /midstream/);
    await assert.rejects(upstreamDone, /midstream/, "upstream was cancelled with the cause");
  });

  it("a handler that throws fails its own stage: onPull the upstream one, onPush the downstream one", async () => {
    const boom = new Error("boom");
    const seen: string[] = [];
    /** Emits 1, 2, …; its onPull throws on the `failAt`-th pull when `pullThrows`. */
    class Counter extends GraphStageLogic {
      readonly out: Outlet<number> = this.outlet<number>("counter.out");
      private n = 0;
      constructor(pullThrows: boolean) {
        super();
        this.setHandler(this.out, {
          onPull: () => {
            if (pullThrows && this.n === 2) throw boom;
            this.push(this.out, ++this.n);
          },
          onDownstreamFinish: (cause) => {
            seen.push(`counter cancelled: ${(cause as Error | undefined)?.message}`);
            this.completeStage();
          },
        });
      }
      override postStop(): void {
        seen.push(`counter stopped, failed: ${(this.stageFailure?.error as Error | undefined)?.message}`);
      }
    }
    /** Passes elements on; its onPush throws on the third when `pushThrows`. */
    class Relay extends LinearStageLogic<number, number> {
      constructor(private readonly pushThrows: boolean) {
        super();
      }
      onPush(): void {
        const x = this.grab(this.in);
        if (this.pushThrows && x === 3) throw boom;
        this.push(this.out, x);
      }
      onUpstreamFailure(error: unknown): void {
        seen.push(`relay told of: ${(error as Error).message}`);
        this.failStage(error);
      }
      override postStop(): void {
        seen.push(`relay stopped, failed: ${(this.stageFailure?.error as Error | undefined)?.message}`);
      }
    }
    const run = (pullThrows: boolean) =>
      Source.fromStage(() => new Counter(pullThrows))
        .via(Flow.fromStage(() => new Relay(!pullThrows)))
        .runWith(Sink.seq());

    await assert.rejects(run(true), boom);
    assert.deepEqual(seen, [
      "counter stopped, failed: boom",
      "relay told of: boom",
      "relay stopped, failed: boom",
    ]);
    seen.length = 0;
    await assert.rejects(run(false), boom);
    assert.deepEqual(seen, [
      "relay stopped, failed: boom",
      "counter cancelled: boom",
      "counter stopped, failed: undefined",
    ]);
  });

  it("a materialized promise that fails unobserved is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      Source.failed(new Error("nobody listens")).runWith(Sink.seq());
      Source.failed(new Error("nor here")).watchTermination().to(Sink.ignore()).run();
      await tick(20);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", listener);
    }
    // Whoever does await still sees the failure.
    await assert.rejects(Source.failed(new Error("seen")).runWith(Sink.seq()), /seen/);
  });

  it("every materialized promise settles exactly once", async () => {
    let settlements = 0;
    const [queue, done, result] = Source.queue<number>(2)
      .watchTerminationMat(Keep.both)
      .toMat(Sink.seq(), (l, r) => [...l, r] as const)
      .run();
    done.then(
      () => settlements++,
      () => settlements++,
    );
    result.then(
      () => settlements++,
      () => settlements++,
    );
    await queue.offer(1);
    queue.complete();
    queue.fail(new Error("too late"));
    await tick(10);
    assert.equal(settlements, 2);
    assert.deepEqual(await result, [1]);
  });
});

/** The documented way to write a stage: ports, handlers, a timer and an async callback. */
class BatchEvery<T> extends GraphStageLogic {
  readonly in: Inlet<T> = this.inlet<T>("batch.in");
  readonly out: Outlet<T[]> = this.outlet<T[]>("batch.out");
  private batch: T[] = [];
  readonly flushNow = this.getAsyncCallback<void>(() => this.flush());

  constructor(private readonly intervalMs: number) {
    super();
    this.setHandler(this.in, {
      onPush: () => {
        this.batch.push(this.grab(this.in));
        this.pull(this.in);
      },
      onUpstreamFinish: () => {
        this.flush();
        this.completeStage();
      },
    });
    this.setHandler(this.out, { onPull: () => {} });
  }
  override preStart(): void {
    this.pull(this.in);
    this.scheduleAtFixedRate("flush", this.intervalMs, this.intervalMs);
  }
  protected override onTimer(): void {
    this.flush();
  }
  private flush(): void {
    if (this.batch.length > 0 && this.isAvailable(this.out)) {
      this.push(this.out, this.batch);
      this.batch = [];
    }
  }
}

describe("custom stages", () => {
  it("timers and async callbacks re-enter the interpreter safely; timers die with the stage", async () => {
    const [queue, result] = Source.queue<number>(10)
      .viaMat(
        Flow.fromStageMat(() => {
          const logic = new BatchEvery<number>(10);
          return [logic, logic.flushNow] as const;
        }),
        Keep.both,
      )
      .toMat(Sink.seq(), (l, r) => [l[0], r] as const)
      .run();
    await queue.offer(1);
    await queue.offer(2);
    await tick(30);
    await queue.offer(3);
    queue.complete();
    const batches = await result;
    assert.deepEqual(batches.flat(), [1, 2, 3]);
    assert.ok(batches.length >= 2);
    const timers = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    assert.equal(timers, 0, "no timer left behind");
  });

  it("timers are keyed as a Map keys them: one per key, a new one replaces the old, NaN and -0 included", async () => {
    const fired: unknown[] = [];
    const checks: boolean[] = [];
    class Timed extends SourceStageLogic<number> {
      onPull(): void {}
      override preStart(): void {
        this.scheduleOnce("a", 5);
        this.scheduleOnce("a", 10); // replaces the first: "a" fires once
        this.scheduleOnce(Number.NaN, 5);
        this.scheduleOnce(-0, 5);
        checks.push(this.isTimerActive(Number.NaN), this.isTimerActive(0));
        this.cancelTimer(0); // the -0 timer
        checks.push(this.isTimerActive(-0), this.isTimerActive("b"));
        this.scheduleOnce("end", 40);
      }
      protected override onTimer(key: unknown): void {
        fired.push(key);
        if (key === "end") this.completeStage();
      }
    }
    await Source.fromStage(() => new Timed()).runWith(Sink.ignore());
    assert.deepEqual(checks, [true, true, false, false]);
    assert.deepEqual(fired.filter((k) => k === "a").length, 1);
    assert.ok(fired.some((k) => Number.isNaN(k)));
    assert.ok(!fired.includes(0));
    assert.equal(fired.at(-1), "end");
  });

  it("a stage that forgets to connect a port is reported at materialization", () => {
    class Lonely extends GraphStageLogic {
      readonly out: Outlet<number> = this.outlet<number>("out");
      readonly stray: Outlet<number> = this.outlet<number>("stray");
      constructor() {
        super();
        this.setHandler(this.out, { onPull: () => {} });
        this.setHandler(this.stray, { onPull: () => {} });
      }
    }
    assert.throws(() => Source.fromStage(() => new Lonely()).runWith(Sink.ignore()), {
      code: "STREAM_ERR_ILLEGAL_STATE",
    });
  });

  it("a port without a handler, or a handler for another stage's port, is reported by name", () => {
    class NoHandler extends GraphStageLogic {
      readonly out: Outlet<number> = this.outlet<number>("quiet");
    }
    assert.throws(() => Source.fromStage(() => new NoHandler()).runWith(Sink.ignore()), {
      code: "STREAM_ERR_ILLEGAL_STATE",
      message: /Outlet\(quiet\) of NoHandler has no handler/,
    });
    class Thief extends GraphStageLogic {
      readonly out: Outlet<number> = this.outlet<number>("mine");
      constructor(other: Outlet<number>) {
        super();
        this.setHandler(other, { onPull: () => {} });
      }
    }
    const other = new NoHandler().out;
    assert.throws(() => new Thief(other), {
      code: "STREAM_ERR_ILLEGAL_STATE",
      message: /Outlet\(quiet\) is not a port of Thief/,
    });
  });

  it("a port created once the graph runs fails the stage, with its name", async () => {
    class Late extends LinearStageLogic<number, number> {
      onPush(): void {
        this.inlet<number>("late");
      }
    }
    await assert.rejects(
      Source.single(1)
        .via(Flow.fromStage(() => new Late()))
        .runWith(Sink.seq()),
      {
        code: "STREAM_ERR_ILLEGAL_STATE",
        message: /Inlet\(late\) created after the graph started/,
      },
    );
  });
});

/** Adds one to the first `changing` elements, then leaves the graph (a pass-through from then on). */
class ChangeThenLeave extends LinearStageLogic<number, number> {
  seen = 0;
  left = false;
  stopped = 0;
  constructor(private readonly changing: number) {
    super();
  }
  onPush(): void {
    const x = this.grab(this.in);
    this.push(this.out, ++this.seen <= this.changing ? x + 1000 : x);
    this.tryLeave();
  }
  override onPull(): void {
    this.pull(this.in);
    this.tryLeave();
  }
  private tryLeave(): void {
    if (this.seen >= this.changing && !this.left) this.left = this.bypass([[this.in, this.out]]);
  }
  override postStop(): void {
    this.stopped++;
  }
}

describe("bypass: a stage leaving a running graph", () => {
  it("joins its neighbours: every element arrives once, in order, and the stage stops once", async () => {
    for (const changing of [0, 1, 5, 50]) {
      const stage = new ChangeThenLeave(changing);
      const result = await Source.range(1, 200)
        .via(Flow.fromStage(() => new Step()))
        .via(Flow.fromStage(() => stage))
        .via(Flow.fromStage(() => new Step()))
        .runWith(Sink.seq());
      const expected = Array.from({ length: 200 }, (_, i) => i + 3 + (i < changing ? 1000 : 0));
      assert.deepEqual(result, expected, `changing ${changing}`);
      assert.equal(stage.left, true);
      assert.equal(stage.stopped, 1);
    }
  });

  it("works under a slow consumer and carries completion and cancellation past the gone stage", async () => {
    const slow = new ChangeThenLeave(3);
    const queue = Source.range(1, 20)
      .via(Flow.fromStage(() => slow))
      .runWith(Sink.queue<number>(1));
    const got: number[] = [];
    for (let x = await queue.pull(); x !== undefined; x = await queue.pull()) {
      got.push(x);
      await tick(1);
    }
    assert.deepEqual(got, [1001, 1002, 1003, ...Array.from({ length: 17 }, (_, i) => i + 4)]);
    assert.equal(slow.left, true);

    const cancelled = new ChangeThenLeave(2);
    let upstreamDone = false;
    const taken = await Source.repeat(7)
      .watchTermination()
      .mapMaterializedValue((done) => done.then(() => (upstreamDone = true)))
      .via(Flow.fromStage(() => cancelled))
      .take(5)
      .runWith(Sink.seq());
    assert.deepEqual(taken, [1007, 1007, 7, 7, 7]);
    await tick(5);
    assert.equal(upstreamDone, true, "the cancel reached the source");
    assert.equal(cancelled.stopped, 1);
  });
});

describe("handlers", () => {
  it("a handler object's own methods run with the handler as `this`", async () => {
    class Counting extends GraphStageLogic {
      readonly in: Inlet<number> = this.inlet<number>("counting.in");
      readonly out: Outlet<number> = this.outlet<number>("counting.out");
      pulls = 0;
      constructor() {
        super();
        const stage = this;
        this.setHandler(this.in, {
          pushes: 0,
          onPush() {
            this.pushes++;
            stage.push(stage.out, stage.grab(stage.in) * 10 + this.pushes);
          },
          onUpstreamFinish() {
            stage.completeStage();
          },
        } as { pushes: number; onPush(): void; onUpstreamFinish(): void });
        this.setHandler(this.out, {
          onPull() {
            stage.pulls++;
            stage.pull(stage.in);
          },
        });
      }
    }
    let stage: Counting | undefined;
    const result = await Source.from([1, 2, 3])
      .via(
        Flow.fromStage(() => {
          stage = new Counting();
          return stage;
        }),
      )
      .runWith(Sink.seq());
    assert.deepEqual(result, [11, 22, 33]);
    assert.ok(stage!.pulls >= 3);
  });
});

describe("completion handlers", () => {
  it("each stage's own completion handler runs, for stages with methods and with closures alike", async () => {
    // Completion handlers are shared between connections when they are a class's methods, and
    // kept per connection when they are made per stage (closures): past the shared table's bound
    // (512 pairs) as before it, every stage must get its own.
    const finished: number[] = [];
    class Finisher extends GraphStageLogic {
      readonly in: Inlet<number> = this.inlet<number>("finisher.in");
      readonly out: Outlet<number> = this.outlet<number>("finisher.out");
      constructor(id: number) {
        super();
        const F = Finisher.prototype;
        this.setHandler(
          this.in,
          new InPortHandler(this, F.forward, () => {
            finished.push(id);
            this.completeStage();
          }),
        );
        this.setHandler(this.out, new OutPortHandler(this, F.demand));
      }
      forward(): void {
        this.push(this.out, this.grab(this.in));
      }
      demand(): void {
        this.pull(this.in);
      }
    }
    const count = 700;
    const results = await Promise.all(
      Array.from({ length: count }, (_, id) =>
        Source.single(id)
          .via(Flow.fromStage(() => new Finisher(id)))
          .runWith(Sink.seq()),
      ),
    );
    assert.deepEqual(
      results.map((r) => r[0]),
      Array.from({ length: count }, (_, id) => id),
    );
    assert.deepEqual(
      finished.sort((a, b) => a - b),
      Array.from({ length: count }, (_, id) => id),
    );
  });
});

describe("event order", () => {
  it("a completion never overtakes the element pushed before it on the same port", async () => {
    // The stage pushes on two outlets in one handler (the first push is chased, the second
    // queued), and completes the second outlet from the very next handler, whose event is chased
    // too: the completion must still reach the sink after the element queued before it.
    class Splitter extends GraphStageLogic {
      readonly in1: Inlet<number> = this.inlet<number>("splitter.in1");
      readonly out1: Outlet<number> = this.outlet<number>("splitter.out1");
      readonly in2: Inlet<number> = this.inlet<number>("splitter.in2");
      readonly out2: Outlet<number> = this.outlet<number>("splitter.out2");
      private element: number | undefined;
      constructor() {
        super();
        const S = Splitter.prototype;
        this.setHandler(this.in1, new InPortHandler(this, S.onElement));
        this.setHandler(this.out1, new OutPortHandler(this, S.emit));
        this.setHandler(this.in2, new InPortHandler(this, S.onLoopedBack));
        this.setHandler(this.out2, new OutPortHandler(this, S.emit));
      }
      override preStart(): void {
        this.pull(this.in1);
        this.pull(this.in2);
      }
      onElement(): void {
        this.element = this.grab(this.in1);
        this.emit();
      }
      emit(): void {
        if (this.element === undefined || !this.isAvailable(this.out1) || !this.isAvailable(this.out2))
          return;
        this.push(this.out1, this.element);
        this.push(this.out2, this.element);
        this.element = undefined;
      }
      onLoopedBack(): void {
        this.grab(this.in2);
        this.complete(this.out2);
        this.completeStage();
      }
    }
    const result = await Source.single(7)
      .via(
        BidiFlow.fromStageMat(() => [new Splitter(), undefined] as const).join(
          Flow.fromStage(() => new Step()),
        ),
      )
      .runWith(Sink.seq());
    assert.deepEqual(result, [7]);
  });
});

describe("pull forwarding", () => {
  it("is not used when the outlet's handler is not the stage's default onPull", async () => {
    let pulls = 0;
    class CountingPulls extends LinearStageLogic<number, number> {
      constructor() {
        super();
        const C = CountingPulls.prototype;
        this.setHandler(this.out, new OutPortHandler(this, C.countedPull));
      }
      onPush(): void {
        this.push(this.out, this.grab(this.in));
      }
      countedPull(): void {
        pulls++;
        this.pull(this.in);
      }
    }
    const result = await Source.range(1, 50)
      .via(Flow.fromStage(() => new Step()))
      .via(Flow.fromStage(() => new CountingPulls()))
      .runWith(Sink.seq());
    assert.equal(result.length, 50);
    assert.ok(pulls >= 50, `the custom pull ran for every element (${pulls})`);
  });
});
