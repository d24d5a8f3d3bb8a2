/**
 * A queue of received byte chunks read without copying: a read that lies within one chunk
 * returns a view of it, and only a read that spans chunks allocates.
 */
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private headOffset = 0;
  private total = 0;

  /** Bytes queued. */
  get length(): number {
    return this.total;
  }

  /** Appends a chunk (kept by reference). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The byte at `index` from the front, or -1 past the end. */
  byteAt(index: number): number {
    if (index >= this.total) return -1;
    let i = this.head;
    let offset = this.headOffset + index;
    while (offset >= this.chunks[i]!.length) {
      offset -= this.chunks[i]!.length;
      i++;
    }
    return this.chunks[i]![offset]!;
  }

  /** Removes and returns the first `n` bytes (n <= length): a view when they lie in one chunk. */
  read(n: number): Uint8Array {
    if (n > this.total) throw new RangeError(`read(${n}) with ${this.total} bytes queued`);
    const first = this.chunks[this.head];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    const available = first.length - this.headOffset;
    if (n <= available) {
      const view = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(n - filled, chunk.length - this.headOffset);
      out.set(chunk.subarray(this.headOffset, this.headOffset + take), filled);
      filled += take;
      this.advance(take);
    }
    return out;
  }

  /** Removes and returns everything queued, as a list of views. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      out.push(i === this.head ? chunk.subarray(this.headOffset) : chunk);
    }
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.total = 0;
    return out;
  }

  private advance(n: number): void {
    this.total -= n;
    this.headOffset += n;
    if (this.headOffset === this.chunks[this.head]!.length) {
      this.head++;
      this.headOffset = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 64) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }
}
