import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { combineMat } from "../../src/stream/combine-mat.js";
import { deferred, lazyDeferred, lazyPromise, matValue } from "../../src/stream/deferred.js";
import { Flow, Keep, Sink, Source } from "../../src/stream/index.js";

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("deferred", () => {
  it("resolves a promise asked for before settling, once", async () => {
    const d = deferred<number>();
    const p = d.promise;
    assert.equal(d.settled, false);
    d.resolve(1);
    d.resolve(2);
    d.reject(new Error("late"));
    assert.equal(d.settled, true);
    assert.equal(await p, 1);
    assert.equal(d.promise, p);
  });

  it("gives a settled promise when asked for after settling", async () => {
    const ok = deferred<string>();
    ok.resolve("v");
    ok.reject(new Error("ignored"));
    assert.equal(await ok.promise, "v");
    assert.equal(ok.promise, ok.promise);

    const bad = deferred<string>();
    const error = new Error("boom");
    bad.reject(error);
    bad.resolve("ignored");
    await assert.rejects(bad.promise, (e) => e === error);
  });

  it("adopts a thenable, whenever the promise is asked for", async () => {
    const before = deferred<number>();
    const p = before.promise;
    before.resolve(Promise.resolve(7) as unknown as number);
    assert.equal(await p, 7);
    const after = deferred<number>();
    after.resolve(Promise.resolve(8) as unknown as number);
    assert.equal(await after.promise, 8);
  });

  it("never reports a rejection as unhandled, read or not", async () => {
    const unread = deferred<void>();
    unread.reject(new Error("nobody listens"));
    const readEarly = deferred<void>();
    void readEarly.promise;
    readEarly.reject(new Error("listened, not awaited"));
    const readLate = deferred<void>();
    readLate.reject(new Error("asked for after"));
    void readLate.promise;
    const rejectingThenable = deferred<void>();
    void rejectingThenable.promise;
    rejectingThenable.resolve(Promise.reject(new Error("thenable")) as unknown as undefined);
    const unreadThenable = deferred<void>();
    unreadThenable.resolve(Promise.reject(new Error("thenable, unread")) as unknown as undefined);
    await tick();
    await tick();
    assert.deepEqual(unhandled, []);
  });
});

describe("lazy materialized promises", () => {
  it("a value a composition drops is passed through unmade; a kept one is its promise", async () => {
    const d = lazyDeferred<number>();
    const lazy = lazyPromise(d);
    assert.ok(!((lazy as unknown) instanceof Promise), "stands for the promise without making it");
    assert.equal(combineMat(Keep.left, lazy, 1), lazy);
    assert.equal(combineMat(Keep.right, 1, lazy), lazy);
    assert.equal(combineMat(Keep.none, lazy, lazy), undefined);
    const [kept, other] = combineMat(Keep.both, lazy, 2);
    assert.ok(kept instanceof Promise);
    assert.equal(other, 2);
    d.resolve(7);
    assert.equal(await kept, 7);
    assert.equal(matValue(lazy), kept, "made once");
    // A user's deferred is a value like any other.
    const own = deferred<number>();
    assert.equal(matValue(own), own);
    assert.ok(lazyPromise(own) instanceof Promise);
  });

  it("every way out of a blueprint gives a real promise", async () => {
    const isPromise = (p: unknown) => assert.ok(p instanceof Promise, String(p));
    isPromise(Source.single(1).toMat(Sink.ignore(), Keep.right).run());
    isPromise(Source.single(1).runWith(Sink.seq()));
    isPromise(Source.single(1).runWith(Flow.create<number>().toMat(Sink.head(), Keep.right)));
    const [a, b] = Source.single(1).toMat(Sink.last(), Keep.both).run();
    isPromise(b);
    assert.equal(a, undefined);
    isPromise(
      Source.single(1)
        .toMat(
          Sink.fold(0, (x: number, y: number) => x + y),
          (_, r) => r,
        )
        .run(),
    );
    isPromise(
      Source.single(1)
        .toMat(
          Sink.foreach(() => {}),
          Keep.right,
        )
        .mapMaterializedValue((p) => p)
        .run(),
    );
    isPromise(Source.single(1).runWith(Sink.ignore<number>().mapMaterializedValue((p) => p)));
    isPromise(Source.single(1).watchTermination().to(Sink.ignore()).run());
    isPromise(
      Source.single(1).viaMat(Flow.create<number>().watchTermination(), Keep.right).to(Sink.ignore()).run(),
    );
    isPromise(Source.single(1).alsoToMat(Sink.seq(), Keep.right).to(Sink.ignore()).run());
    isPromise(Source.single(1).runWith(Sink.foreachAsync(1, () => {})));
    assert.deepEqual(await Source.from([1, 2]).runWith(Sink.seq()), [1, 2]);
  });
});
