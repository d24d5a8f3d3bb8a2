/**
 * A first-in first-out queue for the per-message paths (protocol events, bytes to write). Nearly
 * always it holds one item at a time — one message in, one event out — so the first item lives in
 * a field and only a burst allocates an array, which is dropped once drained: no garbage per
 * message, and no spare capacity kept by an idle connection. Items must not be `undefined`.
 */
export class Fifo<T> {
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
