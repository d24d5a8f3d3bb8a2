import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SlabAllocator } from "../../src/codec/index.js";

describe("SlabAllocator", () => {
  it("carves small buffers that never overlap, 8-byte aligned", () => {
    const { allocate } = new SlabAllocator({ slabSize: 48, maxCarved: 32 });
    const a = allocate(5);
    const b = allocate(20);
    const c = allocate(30); // does not fit: a new slab
    a.fill(1);
    b.fill(2);
    c.fill(3);
    assert.deepEqual([...a], [1, 1, 1, 1, 1]);
    assert.ok(b.every((x) => x === 2));
    assert.equal(b.byteOffset % 8, 0);
    assert.equal(b.buffer, a.buffer);
    assert.notEqual(c.buffer, a.buffer);
  });

  it("gives large buffers their own memory from allocateLarge", () => {
    let asked = 0;
    const { allocate } = new SlabAllocator({
      maxCarved: 16,
      allocateLarge: (n) => new Uint8Array((asked = n)),
    });
    assert.equal(allocate(17).length, 17);
    assert.equal(asked, 17);
  });

  it("takes its slabs from allocateLarge too (uninitialised memory on Node), wherever the slab starts", () => {
    const memory = new ArrayBuffer(8 + 64);
    const slabs: Uint8Array[] = [];
    const { allocate } = new SlabAllocator({
      slabSize: 64,
      maxCarved: 16,
      allocateLarge: (n) => {
        const slab = new Uint8Array(memory, 8, n);
        slabs.push(slab);
        return slab;
      },
    });
    const a = allocate(10);
    const b = allocate(10);
    assert.equal(slabs.length, 1, "one slab so far");
    assert.equal(a.buffer, memory);
    assert.deepEqual([a.byteOffset, b.byteOffset], [8, 24]);
    a.fill(7);
    assert.deepEqual([...slabs[0]!.subarray(0, 10)], Array(10).fill(7));
    allocate(16);
    allocate(16);
    allocate(16); // 64 bytes used: the next one needs a new slab
    assert.equal(slabs.length, 2);
  });
});
