import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Keep, NoSuchElementError, Sink, Source } from "../../src/stream/index.js";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("Sink factories", () => {
  it("foreach, ignore, seq, fold", async () => {
    const seen: number[] = [];
    await Source.range(1, 3).runWith(Sink.foreach((x) => seen.push(x)));
    assert.deepEqual(seen, [1, 2, 3]);
    await Source.range(1, 3).runWith(Sink.ignore());
    assert.deepEqual(await Source.range(1, 3).runWith(Sink.seq()), [1, 2, 3]);
    assert.equal(await Source.range(1, 4).runWith(Sink.fold(0, (a, b) => a + b)), 10);
    assert.equal(await Source.range(1, 4).runFold(1, (a, b) => a * b), 24);
  });

  it("a throwing foreach fails the stream with the thrown error", async () => {
    await assert.rejects(
      Source.range(1, 3).runWith(
        Sink.foreach((x) => {
          if (x === 2) throw new Error("user code threw");
        }),
      ),
      /user code threw/,
    );
  });

  it("head, headOption, last, lastOption", async () => {
    assert.equal(await Source.range(5, 9).runWith(Sink.head()), 5);
    assert.equal(await Source.range(5, 9).runWith(Sink.last()), 9);
    assert.equal(await Source.empty<number>().runWith(Sink.headOption()), undefined);
    assert.equal(await Source.empty<number>().runWith(Sink.lastOption()), undefined);
    await assert.rejects(Source.empty<number>().runWith(Sink.head()), NoSuchElementError);
    await assert.rejects(Source.empty<number>().runWith(Sink.last()), NoSuchElementError);
  });

  it("head cancels upstream after the first element", async () => {
    let pulled = 0;
    assert.equal(
      await Source.repeat(1)
        .map((x) => {
          pulled++;
          return x;
        })
        .runWith(Sink.head()),
      1,
    );
    assert.ok(pulled <= 2);
  });

  it("cancelled cancels at once", async () => {
    const done = Source.repeat(1).watchTermination().to(Sink.cancelled()).run();
    await done;
  });

  it("foreachAsync waits for each call, bounded by parallelism", async () => {
    let inFlight = 0;
    let max = 0;
    await Source.range(1, 10).runWith(
      Sink.foreachAsync(2, async () => {
        max = Math.max(max, ++inFlight);
        await tick(2);
        inFlight--;
      }),
    );
    assert.equal(max, 2);
  });
});

describe("Sink.queue and async iteration", () => {
  it("pull() gives elements, then undefined; failures reject after buffered elements", async () => {
    const queue = Source.from([1, 2]).runWith(Sink.queue<number>());
    assert.equal(await queue.pull(), 1);
    assert.equal(await queue.pull(), 2);
    assert.equal(await queue.pull(), undefined);
    assert.equal(await queue.pull(), undefined);
    const failing = Source.from([1])
      .concat(Source.failed<number>(new Error("late")))
      .runWith(Sink.queue<number>());
    assert.equal(await failing.pull(), 1);
    await assert.rejects(failing.pull(), /late/);
  });

  it("reads ahead at most bufferSize elements", async () => {
    let produced = 0;
    const queue = Source.repeat(0)
      .map(() => ++produced)
      .runWith(Sink.queue<number>(4));
    await tick(5);
    assert.ok(produced <= 5, `produced ${produced}`);
    await queue.pull();
    queue.cancel();
  });

  it("for await works, and break cancels upstream", async () => {
    const [done, iterable] = Source.range(1, 1_000_000)
      .watchTermination()
      .toMat(Sink.asAsyncIterable<number>(), Keep.both)
      .run();
    const got: number[] = [];
    for await (const x of iterable) {
      got.push(x);
      if (x === 3) break;
    }
    assert.deepEqual(got, [1, 2, 3]);
    await done;
  });

  it("asReadableStream reads on demand", async () => {
    const stream = Source.range(1, 3).runWith(Sink.asReadableStream<number>());
    const got: number[] = [];
    for await (const x of stream) got.push(x);
    assert.deepEqual(got, [1, 2, 3]);
    const cancelledStream = Source.repeat(1)
      .watchTermination()
      .toMat(Sink.asReadableStream<number>(), Keep.both)
      .run();
    const reader = cancelledStream[1].getReader();
    await reader.read();
    await reader.cancel();
    await cancelledStream[0];
  });

  it("fromWritableStream honours the writer's back-pressure and closes it", async () => {
    const written: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    let closed = false;
    const writable = new WritableStream<number>(
      {
        async write(x) {
          maxConcurrent = Math.max(maxConcurrent, ++concurrent);
          await tick(1);
          written.push(x);
          concurrent--;
        },
        close() {
          closed = true;
        },
      },
      { highWaterMark: 1 },
    );
    let produced = 0;
    const done = Source.range(1, 20)
      .map((x) => {
        produced++;
        return x;
      })
      .runWith(Sink.fromWritableStream(writable));
    await tick(3);
    assert.ok(produced < 10, `read ahead ${produced}`);
    await done;
    assert.deepEqual(
      written,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(maxConcurrent, 1);
    assert.ok(closed);
  });

  it("fromWritableStream: a failing writer fails the stream; a failing stream aborts the writer", async () => {
    const bad = new WritableStream<number>({
      write() {
        throw new Error("disk full");
      },
    });
    await assert.rejects(Source.range(1, 5).runWith(Sink.fromWritableStream(bad)), /disk full/);
    let aborted: unknown;
    const good = new WritableStream<number>({
      abort(reason) {
        aborted = reason;
      },
    });
    await assert.rejects(
      Source.failed<number>(new Error("src")).runWith(Sink.fromWritableStream(good)),
      /src/,
    );
    await tick();
    assert.match(String(aborted), /src/);
  });
});
