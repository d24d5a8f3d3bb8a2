import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deferred } from "../../src/stream/deferred.js";

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
