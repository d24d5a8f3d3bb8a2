import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Fifo } from "../../src/codec/fifo.js";

describe("Fifo", () => {
  it("behaves as an array queue for any interleaving of push, shift, takeAll and clear (peek: the head)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), value: fc.integer() }),
      fc.record({ kind: fc.constant("shift" as const) }),
      fc.record({ kind: fc.constant("takeAll" as const) }),
      fc.record({ kind: fc.constant("clear" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const fifo = new Fifo<number>();
        let model: number[] = [];
        for (const o of ops) {
          if (o.kind === "push") {
            fifo.push(o.value);
            model.push(o.value);
          } else if (o.kind === "shift") {
            assert.equal(fifo.shift(), model.shift());
          } else if (o.kind === "takeAll") {
            assert.deepEqual(fifo.takeAll(), model);
            model = [];
          } else {
            fifo.clear();
            model = [];
          }
          assert.equal(fifo.length, model.length);
          assert.equal(fifo.isEmpty, model.length === 0);
          assert.equal(fifo.peek(), model[0]);
        }
      }),
    );
  });

  it("is empty again after a burst is drained, and keeps working", () => {
    const fifo = new Fifo<string>();
    for (let i = 0; i < 100; i++) fifo.push(`m${i}`);
    for (let i = 0; i < 100; i++) assert.equal(fifo.shift(), `m${i}`);
    assert.equal(fifo.shift(), undefined);
    fifo.push("again");
    assert.deepEqual(fifo.takeAll(), ["again"]);
  });

  it("a released queue is reused by the next take, emptied, and the pool stays bounded", () => {
    // The pool is the process's: other tests in this process (Bun runs every file in one) may have
    // filled it. Draining it first makes this test independent of them.
    for (let i = 0; i < 1000; i++) Fifo.take<number>();
    const first = Fifo.take<number>();
    first.push(1);
    first.push(2);
    first.release();
    const again = Fifo.take<number>();
    assert.equal(again, first, "the pool hands the released queue out again");
    assert.equal(again.isEmpty, true);
    assert.equal(again.shift(), undefined);
    again.release();
    // Releasing far more queues than the pool keeps must not grow it without bound: takes after
    // draining it return fresh queues.
    const many = Array.from({ length: 200 }, () => new Fifo<number>());
    for (const q of many) q.release();
    const taken = new Set(Array.from({ length: 200 }, () => Fifo.take<number>()));
    const reused = many.filter((q) => taken.has(q)).length;
    assert.ok(reused > 0 && reused < 200, `${reused} of 200 released queues were kept`);
  });

  it("releases itself only once empty, and hands every item out before it does", () => {
    const q = Fifo.take<number>();
    q.push(1);
    q.push(2);
    assert.equal(q.shift(), 1);
    assert.equal(q.releaseIfEmpty(), false);
    assert.equal(q.shift(), 2);
    assert.equal(q.releaseIfEmpty(), true);
    assert.equal(Fifo.take<number>(), q, "back in the pool");
    q.push(3);
    q.push(4);
    assert.deepEqual(q.takeAllAndRelease(), [3, 4]);
    assert.equal(Fifo.take<number>(), q);
  });
});
