import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Fifo } from "../../src/codec/fifo.js";

describe("Fifo", () => {
  it("behaves as an array queue for any interleaving of push, shift, takeAll and clear", () => {
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
});
