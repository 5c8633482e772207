/** The smallest capacity, and the largest one an empty queue keeps. */
const MIN_CAPACITY = 16;
const KEEP_CAPACITY = 4096;

/**
 * A first-in first-out queue with O(1) push and shift: a ring of a power-of-two
 * capacity, doubled when full, so a busy connection's queue allocates nothing
 * per request (one that drains does not start a new array each time). An empty
 * queue drops a ring grown past 4096 items. In-flight requests live here:
 * memcached answers one connection's requests in order.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
  private head = 0;
  private count = 0;

  /** Number of items queued. */
  get length(): number {
    return this.count;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** The item at the front, if any. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Removes and returns the item at the front. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    if (--this.count === 0 && this.items.length > KEEP_CAPACITY) this.reset();
    return item;
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push(this.items[(this.head + i) & (this.items.length - 1)] as T);
    }
    this.reset();
    return out;
  }

  private grow(): void {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) items[i] = old[(this.head + i) & (old.length - 1)];
    this.items = items;
    this.head = 0;
  }

  private reset(): void {
    this.items = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
