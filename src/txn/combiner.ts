import { Batch, type BatchObserver, type Waiter } from './batch.js';
import type { UpdateIO } from './update-io.js';

interface Queue<T> {
  readonly io: UpdateIO<T>;
  waiters: Array<Waiter<T>>;
}

/**
 * Combines concurrent `update()` calls on the same key (and codec and TTL) in
 * one client: calls that arrive while a batch is running wait and form the
 * next batch, which costs one read and one write however many calls it holds.
 */
export class Combiner {
  private readonly queues = new Map<string, Queue<unknown>>();

  /** @param now - the monotonic clock @param observer - told what batches do */
  constructor(
    private readonly now: () => number,
    private readonly observer?: BatchObserver,
  ) {}

  /** Queues a call; `group` identifies key, codec and TTL; `io` serves the group. */
  submit<T>(group: string, io: UpdateIO<T>, waiter: Waiter<T>): void {
    const existing = this.queues.get(group) as Queue<T> | undefined;
    if (existing) {
      existing.waiters.push(waiter);
      return;
    }
    const queue: Queue<T> = { io, waiters: [waiter] };
    this.queues.set(group, queue as Queue<unknown>);
    // Start after the current tick so a burst of calls lands in the first batch.
    process.nextTick(() => void this.drain(group, queue));
  }

  private async drain<T>(group: string, queue: Queue<T>): Promise<void> {
    while (queue.waiters.length > 0) {
      const batch = queue.waiters;
      queue.waiters = [];
      await new Batch(queue.io, batch, this.now, this.observer).run();
    }
    this.queues.delete(group);
  }
}
