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
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count++ === 0) this.first = item;
    else (this.rest ??= []).push(item);
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.first;
    if (--this.count === 0) {
      this.first = undefined;
      return item;
    }
    const rest = this.rest!;
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
    while (this.count > 0) all.push(this.shift() as T);
    return all;
  }

  clear(): void {
    this.first = undefined;
    this.rest = undefined;
    this.restHead = 0;
    this.count = 0;
  }
}
