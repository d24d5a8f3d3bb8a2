/**
 * A first-in first-out queue for the per-message paths (protocol events, bytes to write). Nearly
 * always it holds one item at a time — one message in, one event out — so the first item lives in
 * a field and only a burst allocates an array, which is dropped once drained: no garbage per
 * message, and no spare capacity kept by an idle connection. Items must not be `undefined`.
 *
 * A long-lived owner (a connection's protocol and stage hold four queues) takes a queue from a
 * shared pool when it has an item to queue and gives it back once drained, so an idle connection
 * holds none: see {@link Fifo.take} and {@link Fifo.release}.
 */
export class Fifo<T> {
  /** A queue from the pool, or a new one. Give it back with `release` once it is empty. */
  static take<T>(): Fifo<T> {
    return (spare.pop() as Fifo<T> | undefined) ?? new Fifo<T>();
  }

  /** Gives this queue back to the pool (emptied); the caller must forget it. */
  release(): void {
    this.clear();
    if (spare.length < SPARE_KEPT) spare.push(this);
  }

  /** Gives this queue back to the pool if it is empty: true when it did (the caller must forget it). */
  releaseIfEmpty(): boolean {
    if (this.first !== undefined) return false;
    this.release();
    return true;
  }

  /** Removes and returns every item, oldest first, and gives the queue back to the pool. */
  takeAllAndRelease(): T[] {
    const all = this.takeAll();
    this.release();
    return all;
  }

  private first: T | undefined = undefined;
  private rest: T[] | undefined = undefined;
  private restHead = 0;

  /** Items queued (no count field: `first` is undefined exactly when the queue is empty). */
  get length(): number {
    if (this.first === undefined) return 0;
    return this.rest === undefined ? 1 : 1 + this.rest.length - this.restHead;
  }

  get isEmpty(): boolean {
    return this.first === undefined;
  }

  push(item: T): void {
    if (this.first === undefined) this.first = item;
    else (this.rest ??= []).push(item);
  }

  /** The oldest item, left in the queue (undefined when empty). */
  peek(): T | undefined {
    return this.first;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    const item = this.first;
    const rest = this.rest;
    if (rest === undefined) {
      this.first = undefined;
      return item;
    }
    this.first = rest[this.restHead]!;
    if (this.restHead + 1 === rest.length) {
      this.rest = undefined;
      this.restHead = 0;
    } else {
      rest[this.restHead++] = undefined as T;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  takeAll(): T[] {
    const all: T[] = [];
    while (this.first !== undefined) all.push(this.shift() as T);
    return all;
  }

  clear(): void {
    this.first = undefined;
    this.rest = undefined;
    this.restHead = 0;
  }
}

/** Queues given back, for the next `Fifo.take`: a few per connection doing I/O at the same moment. */
const spare: Fifo<unknown>[] = [];
const SPARE_KEPT = 64;
