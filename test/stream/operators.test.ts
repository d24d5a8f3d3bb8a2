import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Flow, Keep, LinearStageLogic, Sink, Source, StreamArgumentError } from "../../src/stream/index.js";

const seq = <T>(source: Source<T, unknown>) => source.runWith(Sink.seq<T>());
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A custom identity stage: it blocks fusion, so fused and unfused runs can be compared. */
class Barrier<T> extends LinearStageLogic<T, T> {
  onPush(): void {
    this.push(this.out, this.grab(this.in));
  }
}
const barrier = <T>() => Flow.fromStage(() => new Barrier<T>());

describe("element-wise operators", () => {
  it("map, filter, collect, mapConcat", async () => {
    assert.deepEqual(await seq(Source.range(1, 5).map((x) => x * 2)), [2, 4, 6, 8, 10]);
    assert.deepEqual(await seq(Source.range(1, 6).filter((x) => x % 2 === 0)), [2, 4, 6]);
    assert.deepEqual(await seq(Source.range(1, 6).collect((x) => (x % 3 === 0 ? `n${x}` : undefined))), [
      "n3",
      "n6",
    ]);
    assert.deepEqual(
      await seq(Source.from([1, 2, 3]).mapConcat((x) => Array(x).fill(x))),
      [1, 2, 2, 3, 3, 3],
    );
    assert.deepEqual(await seq(Source.from([1, 0, 2]).mapConcat((x) => Array(x).fill(x))), [1, 2, 2]);
  });

  it("fused chains behave exactly like separate stages and like array methods", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 40 }),
        fc.array(fc.constantFrom("map", "filter", "collect"), { maxLength: 6 }),
        async (items, ops) => {
          let expected = items;
          let fused: Source<number, unknown> = Source.from(items);
          let unfused: Source<number, unknown> = Source.from(items).via(barrier());
          for (const [i, op] of ops.entries()) {
            if (op === "map") {
              const f = (x: number) => x * 3 + i;
              expected = expected.map(f);
              fused = fused.map(f);
              unfused = unfused.map(f).via(barrier());
            } else if (op === "filter") {
              const p = (x: number) => x % 2 === 0;
              expected = expected.filter(p);
              fused = fused.filter(p);
              unfused = unfused.filter(p).via(barrier());
            } else {
              const c = (x: number) => (x > 0 ? x - 1 : undefined);
              expected = expected.flatMap((x) => (x > 0 ? [x - 1] : []));
              fused = fused.collect(c);
              unfused = unfused.collect(c).via(barrier());
            }
          }
          assert.deepEqual(await seq(fused), expected);
          assert.deepEqual(await seq(unfused), expected);
          assert.deepEqual(await seq(Source.from(items).via(barrier()).via(Flow.create<number>())), items);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: chains of stateful, asynchronous and decoupling operators behave like their array counterparts", async () => {
    type Op = readonly [name: string, n: number];
    const op = fc.oneof(
      fc.tuple(
        fc.constantFrom("take", "drop", "grouped", "buffer", "mapAsync"),
        fc.integer({ min: 1, max: 5 }),
      ),
      fc.tuple(
        fc.constantFrom("takeWhile", "takeWhileInclusive", "dropWhile", "scan", "mapConcat", "fold"),
        fc.integer({ min: -20, max: 20 }),
      ),
      fc.tuple(fc.constant("take"), fc.constant(0)),
    );
    /** A promise of `x` that settles after a microtask, a macrotask or at once, as `n` says. */
    const later = (x: number, n: number) =>
      x % 3 === 0
        ? x
        : x % 3 === 1
          ? Promise.resolve(x)
          : new Promise<number>((r) => setTimeout(() => r(x), n % 2));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -30, max: 30 }), { maxLength: 30 }),
        fc.array(op, { maxLength: 5 }),
        fc.boolean(),
        async (items, ops: Op[], withBarriers) => {
          let expected: number[] = items;
          let source: Source<number, unknown> = Source.from(items);
          const stage = (next: Source<number, unknown>) =>
            withBarriers ? next.via(barrier<number>()) : next;
          for (const [name, n] of ops) {
            switch (name) {
              case "take":
                expected = expected.slice(0, n);
                source = stage(source.take(n));
                break;
              case "drop":
                expected = expected.slice(n);
                source = stage(source.drop(n));
                break;
              case "grouped": {
                const sums: number[] = [];
                for (let i = 0; i < expected.length; i += n)
                  sums.push(expected.slice(i, i + n).reduce((a, b) => a + b, 0));
                expected = sums;
                source = stage(source.grouped(n).map((group) => group.reduce((a, b) => a + b, 0)));
                break;
              }
              case "buffer":
                source = stage(source.buffer(n, "backpressure"));
                break;
              case "mapAsync":
                expected = expected.map((x) => x * 2);
                source = stage(source.mapAsync(n, (x) => later(x * 2, n)));
                break;
              case "takeWhile":
              case "takeWhileInclusive": {
                const inclusive = name === "takeWhileInclusive";
                const stop = expected.findIndex((x) => !(x < n));
                expected = stop === -1 ? expected : expected.slice(0, inclusive ? stop + 1 : stop);
                source = stage(source.takeWhile((x) => x < n, inclusive));
                break;
              }
              case "dropWhile": {
                const start = expected.findIndex((x) => !(x < n));
                expected = start === -1 ? [] : expected.slice(start);
                source = stage(source.dropWhile((x) => x < n));
                break;
              }
              case "scan": {
                const out = [n];
                for (const x of expected) out.push(out.at(-1)! + x);
                expected = out;
                source = stage(source.scan(n, (acc, x) => acc + x));
                break;
              }
              case "mapConcat":
                expected = expected.flatMap((x) => (x % 2 === 0 ? [x, n] : []));
                source = stage(source.mapConcat((x) => (x % 2 === 0 ? [x, n] : [])));
                break;
              case "fold":
                expected = [expected.reduce((a, b) => a + b, n)];
                source = stage(source.fold(n, (a, b) => a + b));
                break;
            }
          }
          assert.deepEqual(await seq(source), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a filter dropping everything of an endless source does not hang the event loop", async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 1);
    const result = await seq(
      Source.repeat(1)
        .map((x) => x + 1)
        .filter((x) => x > 5)
        .completionTimeout(50)
        .recover(() => -1),
    );
    assert.deepEqual(result, [-1]);
    assert.ok(timerRan);
  });

  it("scan, fold, grouped", async () => {
    assert.deepEqual(await seq(Source.from([1, 2, 3]).scan(0, (a, b) => a + b)), [0, 1, 3, 6]);
    assert.deepEqual(await seq(Source.empty<number>().scan(0, (a, b) => a + b)), [0]);
    assert.deepEqual(await seq(Source.from([1, 2, 3]).fold(10, (a, b) => a + b)), [16]);
    assert.deepEqual(await seq(Source.empty<number>().fold(10, (a, b) => a + b)), [10]);
    assert.deepEqual(await seq(Source.range(1, 5).grouped(2)), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(await seq(Source.empty<number>().grouped(2)), []);
    assert.throws(() => Source.range(1, 2).grouped(0), StreamArgumentError);
  });

  it("take, takeWhile, drop, dropWhile", async () => {
    assert.deepEqual(await seq(Source.range(1, 10).take(3)), [1, 2, 3]);
    assert.deepEqual(await seq(Source.range(1, 10).take(0)), []);
    assert.deepEqual(await seq(Source.range(1, 10).takeWhile((x) => x < 4)), [1, 2, 3]);
    assert.deepEqual(await seq(Source.range(1, 10).takeWhile((x) => x < 4, true)), [1, 2, 3, 4]);
    assert.deepEqual(await seq(Source.range(1, 5).drop(3)), [4, 5]);
    assert.deepEqual(await seq(Source.from([1, 2, 5, 1]).dropWhile((x) => x < 3)), [5, 1]);
    assert.throws(() => Source.range(1, 2).take(-1), StreamArgumentError);
  });

  it("recover", async () => {
    const failing = Source.from([1, 2]).concat(Source.failed<number>(new Error("x")));
    assert.deepEqual(await seq(failing.recover(() => 99)), [1, 2, 99]);
    await assert.rejects(seq(failing.recover(() => undefined)), /x/);
  });

  it("log writes elements and completion to the given logger", async () => {
    const lines: string[] = [];
    await seq(Source.from(["a"]).log("test", (line) => lines.push(line)));
    assert.deepEqual(lines, ['[test] element: "a"', "[test] upstream finished"]);
  });
});

describe("asynchronous operators", () => {
  it("mapAsync keeps order and never exceeds parallelism", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await seq(
      Source.range(1, 20).mapAsync(3, async (x) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick(21 - x);
        inFlight--;
        return x;
      }),
    );
    assert.deepEqual(
      result,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.ok(maxInFlight <= 3 && maxInFlight >= 2, `max in flight ${maxInFlight}`);
  });

  it("mapAsyncUnordered emits as results complete", async () => {
    const result = await seq(
      Source.from([30, 1, 10]).mapAsyncUnordered(3, async (ms) => {
        await tick(ms);
        return ms;
      }),
    );
    assert.deepEqual(result, [1, 10, 30]);
  });

  it("a rejected promise fails the stream", async () => {
    await assert.rejects(
      seq(
        Source.range(1, 3).mapAsync(1, async (x) => (x === 2 ? Promise.reject(new Error("async boom")) : x)),
      ),
      /async boom/,
    );
  });

  it("buffer decouples and applies its overflow strategy", async () => {
    assert.deepEqual(
      await seq(Source.range(1, 10).buffer(4, "backpressure")),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    const [queue, sinkQueue] = Source.queue<number>(0)
      .buffer(2, "dropHead")
      .toMat(Sink.queue(1), Keep.both)
      .run();
    for (const x of [1, 2, 3, 4, 5]) await queue.offer(x);
    queue.complete();
    const got: number[] = [];
    for (let x = await sinkQueue.pull(); x !== undefined; x = await sinkQueue.pull()) got.push(x);
    assert.deepEqual(got, [1, 4, 5]);
    await assert.rejects(
      seq(
        Source.range(1, 100)
          .buffer(2, "fail")
          .mapAsync(1, async (x) => {
            await tick(1);
            return x;
          }),
      ),
      { code: "STREAM_ERR_BUFFER_OVERFLOW" },
    );
  });

  it("throttle spaces elements out without losing any", async () => {
    const start = performance.now();
    const result = await seq(Source.range(1, 6).throttle(2, 40));
    assert.deepEqual(result, [1, 2, 3, 4, 5, 6]);
    // 2 in the first burst, then 4 more at 20 ms each: at least ~60 ms (generous bound, no upper bound).
    assert.ok(performance.now() - start >= 50, `took ${performance.now() - start} ms`);
  });

  it("idleTimeout and completionTimeout fail with StreamTimeoutError", async () => {
    await assert.rejects(seq(Source.maybe<number>().idleTimeout(20)), { code: "STREAM_ERR_TIMEOUT" });
    await assert.rejects(seq(Source.maybe<number>().completionTimeout(20)), { code: "STREAM_ERR_TIMEOUT" });
    assert.deepEqual(await seq(Source.from([1, 2]).idleTimeout(1000).completionTimeout(1000)), [1, 2]);
  });

  it("idleTimeout is reset by elements", async () => {
    const ticks = Source.tick(0, 40, 1).take(10); // 400 ms in all: longer than the idle time-out
    assert.equal((await seq(ticks.idleTimeout(250))).length, 10);
  });
});

describe("fan-in and fan-out", () => {
  it("concat emits the second source after the first", async () => {
    assert.deepEqual(await seq(Source.from([1, 2]).concat(Source.from([3, 4]))), [1, 2, 3, 4]);
    assert.deepEqual(await seq(Source.empty<number>().concat(Source.from([3]))), [3]);
    assert.deepEqual(await seq(Source.from([1]).concat(Source.empty())), [1]);
  });

  it("merge emits everything from both and completes when both did", async () => {
    const result = await seq(Source.range(1, 50).merge(Source.range(100, 150)));
    assert.equal(result.length, 101);
    assert.deepEqual(
      result.filter((x) => x < 100),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const [handle, done] = Source.from([1])
      .mergeMat(Source.maybe<number>(), Keep.right)
      .toMat(Sink.seq(), Keep.both)
      .run();
    await tick(5);
    handle.complete(2);
    assert.deepEqual(await done, [1, 2]);
  });

  it("alsoTo sends every element to the side sink too", async () => {
    const [side, main] = Source.range(1, 5)
      .alsoToMat(Sink.seq<number>(), Keep.right)
      .toMat(Sink.seq(), Keep.both)
      .run();
    assert.deepEqual(await main, [1, 2, 3, 4, 5]);
    assert.deepEqual(await side, [1, 2, 3, 4, 5]);
    assert.deepEqual(await seq(Source.range(1, 3).alsoTo(Sink.cancelled())), [1, 2, 3]);
  });

  it("watchTermination resolves on completion and rejects on failure", async () => {
    const [done, result] = Source.range(1, 3).watchTermination().toMat(Sink.seq(), Keep.both).run();
    await done;
    assert.deepEqual(await result, [1, 2, 3]);
    const [failed] = Source.failed(new Error("bad")).watchTermination().toMat(Sink.ignore(), Keep.both).run();
    await assert.rejects(failed, /bad/);
    const [cancelled] = Source.repeat(1).watchTermination().toMat(Sink.head(), Keep.both).run();
    await cancelled;
  });
});
