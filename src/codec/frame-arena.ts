/**
 * Memory for large outgoing frames inside the masking kernel's WebAssembly memory. A masked frame
 * built elsewhere costs a fresh buffer (~4 µs for 64 KiB on Node 20, more than the masking) and
 * three passes over the payload (copy in, XOR, copy out); built here it costs one copy and an XOR
 * in place, and no allocation. The price is ownership: a frame from the arena must be handed
 * back with {@link releaseFrame} once the socket has written it — the Node transport does so on
 * each write's callback — and nothing may touch it after that.
 *
 * Blocks come in three sizes (4 KiB, 64 KiB and 1 MiB frames, each with room for its header),
 * a free list each; a request the arena cannot serve (too large, or every block out) gets `null`
 * and the caller allocates as usual. A frame that is never released (a transport that does not
 * know about the arena) only makes the arena smaller, never wrong: so the client uses it only
 * with its own TCP transport. The pages of blocks once used (at most ~5.7 MiB) stay resident for
 * the process's life.
 */
import type { ByteAllocator } from "./byte-allocator.js";
import { ARENA_MIN } from "./masking.js";
import { ARENA_BYTES, kernelMemory, SCRATCH_BYTES } from "./simd-masking.js";

/** Room for a header (at most 14 bytes) and alignment padding next to the payload. */
const HEADROOM = 64;

/** The block sizes and counts: 128 x 4 KiB, 16 x 64 KiB and 4 x 1 MiB frames, 5.7 MiB of address space. */
const CLASSES: readonly { readonly payload: number; readonly count: number }[] = [
  { payload: 4 * 1024, count: 128 },
  { payload: 64 * 1024, count: 16 },
  { payload: 1024 * 1024, count: 4 },
];

/** One block size: its region of the memory and the indices of its free blocks. */
class BlockClass {
  readonly blockSize: number;
  readonly end: number;
  private readonly free: Int32Array;
  private freeCount: number;
  private readonly inUse: Uint8Array;

  constructor(
    readonly start: number,
    payload: number,
    readonly count: number,
  ) {
    this.blockSize = payload + HEADROOM;
    this.end = start + this.blockSize * count;
    this.free = new Int32Array(count);
    for (let i = 0; i < count; i++) this.free[i] = count - 1 - i;
    this.freeCount = count;
    this.inUse = new Uint8Array(count);
  }

  get used(): number {
    return this.count - this.freeCount;
  }

  /** The offset of a free block, or -1. */
  take(): number {
    if (this.freeCount === 0) return -1;
    const index = this.free[--this.freeCount]!;
    this.inUse[index] = 1;
    return this.start + index * this.blockSize;
  }

  /** Frees the block holding `offset`; a second release of the same block is ignored. */
  give(offset: number): void {
    const index = Math.floor((offset - this.start) / this.blockSize);
    if (this.inUse[index] !== 1) return;
    this.inUse[index] = 0;
    this.free[this.freeCount++] = index;
  }
}

/**
 * Blocks of the masking kernel's memory lent out for outgoing frames (see above); one per process,
 * from {@link frameArena}. Use it through {@link arenaAllocator} and {@link releaseFrame}.
 */
export class FrameArena {
  private readonly classes: BlockClass[] = [];
  /** @internal False when the kernel's memory could not be grown to hold the blocks. */
  readonly fits: boolean;

  /** @internal Use {@link frameArena}: there is one arena, in the kernel's one memory. */
  constructor(private readonly memory: Uint8Array) {
    let start = SCRATCH_BYTES;
    for (const { payload, count } of CLASSES) {
      const block = new BlockClass(start, payload, count);
      this.classes.push(block);
      start = block.end;
    }
    this.fits = start <= SCRATCH_BYTES + ARENA_BYTES && start <= memory.length;
  }

  /** `n` bytes of arena memory (16-byte aligned), or null when no free block fits. */
  allocate(n: number): Uint8Array | null {
    for (const block of this.classes) {
      if (n > block.blockSize) continue;
      const offset = block.take();
      if (offset === -1) return null;
      return this.memory.subarray(offset, offset + n);
    }
    return null;
  }

  /** Whether `bytes` lie in the arena (a frame that must be released). */
  owns(bytes: Uint8Array): boolean {
    return (
      bytes.byteLength >= ARENA_MIN &&
      bytes.buffer === this.memory.buffer &&
      bytes.byteOffset >= SCRATCH_BYTES
    );
  }

  /** Hands a frame's memory back; anything not from the arena, or released already, is ignored. */
  release(bytes: Uint8Array): void {
    if (!this.owns(bytes)) return;
    const offset = bytes.byteOffset;
    for (const block of this.classes) {
      if (offset < block.end) return block.give(offset);
    }
  }

  /** Blocks handed out and not released yet (for tests and diagnostics). */
  get blocksInUse(): number {
    let used = 0;
    for (const block of this.classes) used += block.used;
    return used;
  }
}

let shared: FrameArena | null | undefined;

/** The process's frame arena; null where WebAssembly is missing. */
export function frameArena(): FrameArena | null {
  if (shared === undefined) {
    const memory = kernelMemory();
    const arena = memory === null ? null : new FrameArena(memory);
    shared = arena?.fits ? arena : null;
  }
  return shared;
}

/**
 * An allocator that serves frames of `ARENA_MIN` bytes or more from the arena and everything
 * else (or everything, when the arena is full) from `fallback`. Whoever writes the frames must
 * call {@link releaseFrame} for each once written.
 */
export function arenaAllocator(fallback: ByteAllocator): ByteAllocator {
  // The arena (and the kernel with it) is set up on the first large frame, not before.
  return (n) => (n >= ARENA_MIN ? (frameArena()?.allocate(n) ?? fallback(n)) : fallback(n));
}

/** Hands a written frame back to the arena; a no-op for bytes from anywhere else. */
export function releaseFrame(bytes: Uint8Array): void {
  if (bytes.byteLength >= ARENA_MIN) frameArena()?.release(bytes);
}

/** Whether `bytes` are arena memory that must be released once written. */
export function isArenaFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength >= ARENA_MIN && (frameArena()?.owns(bytes) ?? false);
}
