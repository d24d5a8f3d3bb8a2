import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ARENA_MIN,
  arenaAllocator,
  encodeMaskedFrame,
  frameArena,
  isArenaFrame,
  Opcode,
  releaseFrame,
  SIMD_MIN,
} from "../../src/codec/index.js";

const plain = (n: number) => new Uint8Array(n);
const allocate = arenaAllocator(plain);

function patterned(n: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

describe("frame arena", () => {
  const arena = frameArena();

  it("is available where WebAssembly is (Node here)", () => {
    assert.ok(arena, "no frame arena on this Node");
  });

  it("builds frames byte for byte like a plain buffer, on both sides of every size limit", () => {
    const sizes = [
      0,
      1,
      SIMD_MIN - 1,
      SIMD_MIN,
      SIMD_MIN + 17,
      ARENA_MIN - 20,
      ARENA_MIN - 1,
      ARENA_MIN,
      4000,
      4099,
      65535,
      65536,
      65537,
      1 << 20,
      (1 << 20) + 100,
    ];
    for (const [i, size] of sizes.entries()) {
      const payload = patterned(size, i + 1);
      const key = (0x9e3779b9 * (i + 1)) >>> 0;
      const expected = encodeMaskedFrame(Opcode.Binary, payload, key, { fin: i % 2 === 0 }, plain);
      const built = encodeMaskedFrame(Opcode.Binary, payload, key, { fin: i % 2 === 0 }, allocate);
      assert.deepEqual(built, expected, `payload of ${size} bytes`);
      // Frames of ARENA_MIN bytes up to a 1 MiB payload (and its header) come from the arena; the rest
      // from the fallback. SIMD_MIN is where the kernel takes over masking from the JS loops.
      assert.equal(isArenaFrame(built), built.length >= ARENA_MIN && size <= 1 << 20, `${size} bytes`);
      releaseFrame(built);
    }
    assert.equal(arena!.blocksInUse, 0);
  });

  it("masks a payload that already lies in the arena", () => {
    const holder = allocate(10_000);
    assert.ok(isArenaFrame(holder));
    holder.set(patterned(10_000, 7));
    const expected = encodeMaskedFrame(Opcode.Binary, holder.slice(), 0x01020304, {}, plain);
    const built = encodeMaskedFrame(Opcode.Binary, holder, 0x01020304, {}, allocate);
    assert.deepEqual(built, expected);
    releaseFrame(built);
    releaseFrame(holder);
    assert.equal(arena!.blocksInUse, 0);
  });

  it("hands out each block once, falls back when all are out, and takes them back", () => {
    const taken: Uint8Array[] = [];
    for (;;) {
      const bytes = allocate(60_000);
      if (!isArenaFrame(bytes)) break;
      taken.push(bytes);
      assert.ok(taken.length <= 64, "the arena never runs out");
    }
    // Every block of the 64 KiB class, then the 1 MiB class, distinct and 16-byte aligned.
    const offsets = new Set(taken.map((b) => b.byteOffset));
    assert.equal(offsets.size, taken.length);
    for (const offset of offsets) assert.equal(offset % 16, 0);
    assert.equal(arena!.blocksInUse, taken.length);

    const back = taken.pop()!;
    releaseFrame(back);
    releaseFrame(back); // a second release of the same block is ignored
    assert.equal(arena!.blocksInUse, taken.length);
    const again = allocate(60_000);
    assert.ok(isArenaFrame(again));
    assert.equal(again.byteOffset, back.byteOffset);
    taken.push(again);
    assert.ok(!isArenaFrame(allocate(60_000)), "full again");

    for (const bytes of taken) releaseFrame(bytes);
    assert.equal(arena!.blocksInUse, 0);
  });

  it("ignores what it did not hand out", () => {
    releaseFrame(new Uint8Array(100_000));
    releaseFrame(new Uint8Array(10));
    assert.equal(isArenaFrame(new Uint8Array(100_000)), false);
    assert.equal(isArenaFrame(allocate(100)), false); // small frames never come from the arena
    assert.equal(arena!.blocksInUse, 0);
  });
});
