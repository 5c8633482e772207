/**
 * A first-in first-out queue with O(1) push and shift (an array and a head
 * index, compacted now and then). In-flight requests live here: memcached
 * answers one connection's requests in order.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Number of items queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The item at the front, if any. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the item at the front. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
