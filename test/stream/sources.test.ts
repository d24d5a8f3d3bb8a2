import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  Keep,
  type QueueOfferResult,
  Sink,
  Source,
  type SourceQueue,
  StreamArgumentError,
} from "../../src/stream/index.js";

const seq = <T>(source: Source<T, unknown>) => source.runWith(Sink.seq<T>());

describe("Source factories", () => {
  it("single, from (array and iterable), range, empty, repeat", async () => {
    assert.deepEqual(await seq(Source.single("a")), ["a"]);
    assert.deepEqual(await seq(Source.from([1, 2, 3])), [1, 2, 3]);
    assert.deepEqual(await seq(Source.from(new Set(["x", "y"]))), ["x", "y"]);
    assert.deepEqual(await seq(Source.range(1, 5)), [1, 2, 3, 4, 5]);
    assert.deepEqual(await seq(Source.range(10, 0, -5)), [10, 5, 0]);
    assert.deepEqual(await seq(Source.range(3, 1)), []);
    assert.deepEqual(await seq(Source.empty<number>()), []);
    assert.deepEqual(await seq(Source.repeat(7).take(3)), [7, 7, 7]);
    assert.throws(() => Source.range(0, 1, 0), StreamArgumentError);
  });

  it("a blueprint is reusable: every run starts afresh", async () => {
    const source = Source.from([1, 2]).map((x) => x * 10);
    assert.deepEqual(await seq(source), [10, 20]);
    assert.deepEqual(await seq(source), [10, 20]);
    const generated = Source.from({
      *[Symbol.iterator]() {
        yield 1;
        yield 2;
      },
    });
    assert.deepEqual(await seq(generated), [1, 2]);
    assert.deepEqual(await seq(generated), [1, 2]);
  });

  it("an iterator is closed when downstream cancels early", async () => {
    let closed = false;
    function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    assert.deepEqual(await seq(Source.from({ [Symbol.iterator]: numbers }).take(2)), [0, 1]);
    assert.ok(closed);
  });

  it("failed fails, fromPromise emits the value or fails", async () => {
    await assert.rejects(seq(Source.failed(new Error("boom"))), /boom/);
    assert.deepEqual(await seq(Source.fromPromise(Promise.resolve(5))), [5]);
    await assert.rejects(seq(Source.fromPromise(Promise.reject(new Error("no")))), /no/);
  });

  it("fromAsyncIterable pulls only on demand and calls return() on cancel", async () => {
    let produced = 0;
    let returned = false;
    async function* gen() {
      try {
        for (let i = 0; i < 1000; i++) {
          produced++;
          yield i;
        }
      } finally {
        returned = true;
      }
    }
    assert.deepEqual(await seq(Source.fromAsyncIterable(gen()).take(3)), [0, 1, 2]);
    assert.ok(produced <= 4, `produced ${produced}`);
    await new Promise((r) => setImmediate(r)); // an async generator's finally runs after return() resolves
    assert.ok(returned);
  });

  it("fromAsyncIterable propagates the iterator's failure", async () => {
    async function* bad() {
      yield 1;
      throw new Error("iterator broke");
    }
    await assert.rejects(seq(Source.fromAsyncIterable(bad())), /iterator broke/);
  });

  it("fromReadableStream reads on demand and cancels the stream", async () => {
    let pulls = 0;
    let cancelled: unknown = "not cancelled";
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(++pulls);
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    assert.deepEqual(await seq(Source.fromReadableStream(stream).take(2)), [1, 2]);
    assert.ok(pulls <= 3, `pulls ${pulls}`);
    assert.notEqual(cancelled, "not cancelled");
  });

  it("tick emits until cancelled", async () => {
    const [cancellable, done] = Source.tick(0, 5, "t").toMat(Sink.seq(), Keep.both).run();
    await new Promise((r) => setTimeout(r, 40));
    cancellable.cancel();
    const ticks = await done;
    assert.ok(ticks.length >= 2 && ticks.every((t) => t === "t"), `${ticks.length} ticks`);
    assert.ok(cancellable.isCancelled);
  });

  it("maybe: complete(value), complete(undefined), fail", async () => {
    const [h1, r1] = Source.maybe<number>().toMat(Sink.seq(), Keep.both).run();
    h1.complete(42);
    h1.complete(43); // ignored
    assert.deepEqual(await r1, [42]);
    assert.ok(h1.isCompleted);
    const [h2, r2] = Source.maybe<number>().toMat(Sink.seq(), Keep.both).run();
    h2.complete(undefined);
    assert.deepEqual(await r2, []);
    const [h3, r3] = Source.maybe<number>().toMat(Sink.seq(), Keep.both).run();
    h3.fail(new Error("gone"));
    await assert.rejects(r3, /gone/);
  });

  it("maybe keeps the stream open until completed", async () => {
    const [handle, done] = Source.maybe<number>().toMat(Sink.ignore(), Keep.both).run();
    const state = await Promise.race([
      done.then(() => "done"),
      new Promise((r) => setTimeout(() => r("open"), 30)),
    ]);
    assert.equal(state, "open");
    handle.complete();
    await done;
  });
});

describe("Source.queue", () => {
  it("enqueues, emits in order, completes after draining", async () => {
    const [queue, result] = Source.queue<number>(10).toMat(Sink.seq(), Keep.both).run();
    for (let i = 0; i < 5; i++) assert.equal(await queue.offer(i), "enqueued");
    queue.complete();
    assert.deepEqual(await result, [0, 1, 2, 3, 4]);
    assert.equal(await queue.offer(9), "closed");
    await queue.watchCompletion();
  });

  it("backpressure: offers wait for room", async () => {
    const [queue, sinkQueue] = Source.queue<number>(1, "backpressure").toMat(Sink.queue(1), Keep.both).run();
    const offers = [queue.offer(1), queue.offer(2), queue.offer(3), queue.offer(4)];
    let settled = 0;
    for (const o of offers) o.then(() => settled++);
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(settled < 4, "some offers wait");
    const got = [
      await sinkQueue.pull(),
      await sinkQueue.pull(),
      await sinkQueue.pull(),
      await sinkQueue.pull(),
    ];
    assert.deepEqual(got, [1, 2, 3, 4]);
    assert.deepEqual(await Promise.all(offers), ["enqueued", "enqueued", "enqueued", "enqueued"]);
  });

  it("overflow strategies", async () => {
    for (const [strategy, expected, results] of [
      ["dropNew", [1, 2], ["enqueued", "enqueued", "dropped"]],
      ["dropHead", [2, 3], ["enqueued", "enqueued", "enqueued"]],
      ["dropTail", [1, 3], ["enqueued", "enqueued", "enqueued"]],
      ["dropBuffer", [3], ["enqueued", "enqueued", "enqueued"]],
    ] as const) {
      // Downstream cancelled-free but not pulling: a sink queue that we read only at the end.
      const [queue, sinkQueue] = Source.queue<number>(2, strategy).toMat(Sink.queue(1), Keep.both).run();
      // The sink pulls one element eagerly; fill it first.
      assert.equal(await queue.offer(0), "enqueued");
      const offered = [await queue.offer(1), await queue.offer(2), await queue.offer(3)];
      assert.deepEqual(offered, results, strategy);
      queue.complete();
      const got: number[] = [];
      for (let x = await sinkQueue.pull(); x !== undefined; x = await sinkQueue.pull()) got.push(x);
      assert.deepEqual(got, [0, ...expected], strategy);
    }
  });

  it("fail strategy fails the stream on overflow; fail() fails it", async () => {
    const [queue, sinkQueue] = Source.queue<number>(1, "fail").toMat(Sink.queue(1), Keep.both).run();
    await queue.offer(0);
    await queue.offer(1);
    await assert.rejects(queue.offer(2), { code: "STREAM_ERR_BUFFER_OVERFLOW" });
    await assert.rejects(queue.watchCompletion(), { code: "STREAM_ERR_BUFFER_OVERFLOW" });
    assert.equal(await sinkQueue.pull(), 0);
    const [q2, r2] = Source.queue<number>(4).toMat(Sink.seq(), Keep.both).run();
    q2.fail(new Error("stop"));
    await assert.rejects(r2, /stop/);
    assert.equal(await q2.offer(1), "closed", "an offer after fail() is closed");
  });

  it("offers still in flight when the stream stops settle, in order, as closed", async () => {
    // A buffer of 2: the first offers are accepted at once, the rest wait for the stage.
    const [queue, result] = Source.queue<number>(2).take(2).toMat(Sink.seq(), Keep.both).run();
    const offers = Array.from({ length: 50 }, (_, i) => queue.offer(i));
    const results = await Promise.all(offers);
    assert.deepEqual(await result, [0, 1]);
    const firstClosed = results.indexOf("closed");
    assert.ok(firstClosed >= 2, "the two taken were enqueued");
    assert.ok(
      results.slice(firstClosed).every((r) => r === "closed"),
      "after the stop, every offer is closed",
    );
    assert.ok(
      results.slice(0, firstClosed).every((r) => r === "enqueued"),
      "before it, enqueued",
    );
  });

  it("offers made inside the running graph keep their order and are answered by the room left", async () => {
    let queue!: SourceQueue<number>;
    const offers: Promise<QueueOfferResult>[] = [];
    let bursts = 0;
    // The first element, on its way through the graph, offers four more at once: they reach the
    // stage only after this handler returns, so the first two are answered by the room counted
    // for (a buffer of 2), the other two wait for the stage, which drops them (dropNew).
    // A sink queue holding one element and not pulling more until read.
    const [q, sinkQueue] = Source.queue<number>(2, "dropNew")
      .map((x) => {
        if (bursts++ === 0) for (let k = 1; k <= 4; k++) offers.push(queue.offer(x + k));
        return x;
      })
      .toMat(Sink.queue(1), Keep.both)
      .run();
    queue = q;
    assert.equal(await queue.offer(0), "enqueued");
    assert.deepEqual(await Promise.all(offers), ["enqueued", "enqueued", "dropped", "dropped"]);
    queue.complete();
    assert.equal(await queue.offer(9), "closed", "after complete(), at once");
    const got: number[] = [];
    for (let x = await sinkQueue.pull(); x !== undefined; x = await sinkQueue.pull()) got.push(x);
    assert.deepEqual(got, [0, 1, 2]);
  });

  it("an offer after complete(), both inside the running graph, is closed at once", async () => {
    let queue!: SourceQueue<number>;
    let late: Promise<QueueOfferResult> | undefined;
    const [q, result] = Source.queue<number>(4)
      .map((x) => {
        queue.complete();
        late = queue.offer(x + 1);
        return x;
      })
      .toMat(Sink.seq(), Keep.both)
      .run();
    queue = q;
    assert.equal(await queue.offer(0), "enqueued");
    assert.equal(await late, "closed");
    assert.deepEqual(await result, [0]);
  });

  it("property: what was enqueued comes out, in order, whatever the mix of offers from inside and outside", async () => {
    const strategies = ["backpressure", "dropNew", "dropHead", "dropTail", "dropBuffer"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...strategies),
        fc.integer({ min: 1, max: 4 }),
        // How many offers each element makes, inside the graph, as it passes.
        fc.array(fc.nat(4), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (strategy, size, bursts, firstBurst) => {
          let queue!: SourceQueue<number>;
          const offers: Promise<QueueOfferResult>[] = [];
          let next = 0;
          const offerBurst = (n: number) => {
            for (let k = 0; k < n; k++) {
              // Numbered before offering: an offer from outside runs the graph, which may offer more.
              const number = next++;
              offers[number] = queue.offer(number);
            }
          };
          let turn = 0;
          const [q, result] = Source.queue<number>(size, strategy)
            .map((x) => {
              if (turn < bursts.length) offerBurst(bursts[turn++]!);
              return x;
            })
            .toMat(Sink.seq(), Keep.both)
            .run();
          queue = q;
          offerBurst(firstBurst);
          // Offers made while awaiting are awaited too.
          for (let settled = 0; settled < offers.length; settled = offers.length) await Promise.all(offers);
          const results = await Promise.all(offers);
          queue.complete();
          const out = await result;
          const enqueued = results.flatMap((r, i) => (r === "enqueued" ? [i] : []));
          if (strategy === "backpressure" || strategy === "dropNew") {
            // Nothing enqueued is lost, nothing comes out twice or out of order.
            assert.deepEqual(out, enqueued);
            if (strategy === "backpressure") assert.equal(enqueued.length, offers.length);
          } else {
            // The other strategies drop from the buffer: what comes out is an ordered subsequence.
            let i = 0;
            for (const x of out) {
              while (i < enqueued.length && enqueued[i] !== x) i++;
              assert.ok(i < enqueued.length, `${x} missing or out of order in ${out}`);
              i++;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("offers after downstream cancelled resolve closed", async () => {
    const [queue] = Source.queue<number>(4).toMat(Sink.cancelled(), Keep.both).run();
    assert.equal(await queue.offer(1), "closed");
  });
});
