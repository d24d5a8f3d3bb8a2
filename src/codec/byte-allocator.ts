/**
 * Where outgoing frame buffers come from. A fresh `new Uint8Array(n)` costs ~2 µs on Node 20
 * (a zeroed, separately tracked backing store), more than building a small frame, so small
 * buffers are carved from shared slabs, as Node's `Buffer.allocUnsafe` pool does. A slab is
 * never reused: it is released when the last view into it dies.
 */

/** Returns a buffer of exactly `n` bytes whose contents the caller overwrites entirely. */
export type ByteAllocator = (n: number) => Uint8Array;

/** Options of a {@link SlabAllocator}. */
export interface SlabAllocatorOptions {
  /** Bytes per slab (default 64 KiB). */
  readonly slabSize?: number;
  /** Largest buffer carved from a slab (default 8 KiB). */
  readonly maxCarved?: number;
  /**
   * Where larger buffers, and the slabs themselves, come from; default `new Uint8Array(n)`. The
   * Node transport passes `Buffer.allocUnsafeSlow`, which skips zero-filling memory the encoder
   * overwrites anyway (a zeroed slab cost a `memset` of every byte sent in small frames: 1.7% of
   * the samples in a profile of 64-in-flight 1 KiB echoes, 0.5% without it).
   */
  readonly allocateLarge?: ByteAllocator;
}

/** Carves small buffers from 64 KiB slabs; larger ones get their own memory. */
export class SlabAllocator {
  /**
   * The current slab's memory. Views are made with the `Uint8Array(buffer, offset, length)`
   * constructor: `subarray` would look up the species constructor and read the slab's `buffer`
   * and `byteOffset` through their getters for every view.
   */
  private slab: ArrayBufferLike;
  /** Where the slab's bytes start in `slab` (an allocator may hand out a view into larger memory). */
  private base = 0;
  private used = 0;
  private readonly slabSize: number;
  private readonly maxCarved: number;
  private readonly allocateLarge: ByteAllocator;

  constructor(options: SlabAllocatorOptions = {}) {
    this.slabSize = options.slabSize ?? 64 * 1024;
    this.maxCarved = options.maxCarved ?? 8 * 1024;
    this.allocateLarge = options.allocateLarge ?? ((n) => new Uint8Array(n));
    this.slab = this.newSlab();
  }

  private newSlab(): ArrayBufferLike {
    const bytes = this.allocateLarge(this.slabSize);
    this.base = bytes.byteOffset;
    this.used = 0;
    return bytes.buffer;
  }

  /** A buffer of `n` bytes, starting 8-byte aligned. */
  readonly allocate: ByteAllocator = (n) => {
    if (n > this.maxCarved) return this.allocateLarge(n);
    if (this.used + n > this.slabSize) this.slab = this.newSlab();
    const view = new Uint8Array(this.slab, this.base + this.used, n);
    this.used = (this.used + n + 7) & ~7;
    return view;
  };
}

/** The allocator used when none is injected. */
export const defaultAllocator: ByteAllocator = new SlabAllocator().allocate;
