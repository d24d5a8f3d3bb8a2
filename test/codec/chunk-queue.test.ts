import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ChunkQueue } from "../../src/codec/index.js";

describe("ChunkQueue", () => {
  it("returns a view when a read lies in one chunk", () => {
    const q = new ChunkQueue();
    const chunk = new Uint8Array([1, 2, 3, 4]);
    q.push(chunk);
    const out = q.read(2);
    assert.equal(out.buffer, chunk.buffer);
    assert.deepEqual([...out], [1, 2]);
    assert.equal(q.length, 2);
  });

  it("reads across chunks in order, for any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 10 }),
        fc.array(fc.nat(12)),
        (chunks, reads) => {
          const q = new ChunkQueue();
          const all = chunks.flatMap((c) => [...c]);
          for (const c of chunks) q.push(c);
          const got: number[] = [];
          for (const r of reads) {
            const n = Math.min(r, q.length);
            if (n > 0) assert.equal(q.byteAt(0), all[got.length]);
            got.push(...q.read(n));
          }
          for (const rest of q.drain()) got.push(...rest);
          assert.deepEqual(got, all);
          assert.equal(q.length, 0);
        },
      ),
    );
  });

  it("refuses to read past the end", () => {
    const q = new ChunkQueue();
    q.push(new Uint8Array(1));
    assert.throws(() => q.read(2), RangeError);
    assert.equal(q.byteAt(5), -1);
  });
});
