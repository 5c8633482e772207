import type { UpdateCall } from './update-call.js';
import type { UpdateIO } from './update-io.js';

/** Runs a batch of calls and resolves when all have settled (never rejects); `onStall` is called if one call's `fn` holds it too long. */
export type BatchRunner = <T>(
  io: UpdateIO<T>,
  calls: ReadonlyArray<UpdateCall<T>>,
  onStall: () => void,
) => Promise<void>;

interface Queue<T> {
  readonly io: UpdateIO<T>;
  calls: Array<UpdateCall<T>>;
}

/**
 * Combines concurrent `update()` calls on the same key (and codec and TTL) in
 * one client: calls that arrive while a batch is running wait and form the
 * next batch, which costs one read and one write however many calls it holds.
 * A batch held up by a slow asynchronous `fn` is left to finish on its own:
 * the calls behind it form their own batch (CAS keeps the two apart), so one
 * stuck caller never holds the others hostage.
 */
export class Combiner {
  private readonly queues = new Map<string, Queue<unknown>>();

  /** @param runBatch - runs one batch */
  constructor(private readonly runBatch: BatchRunner) {}

  /** Queues a call; `group` identifies key, codec and TTL; `io` serves the group. */
  submit<T>(group: string, io: UpdateIO<T>, call: UpdateCall<T>): void {
    const existing = this.queues.get(group) as Queue<T> | undefined;
    if (existing) {
      existing.calls.push(call);
      return;
    }
    const queue: Queue<T> = { io, calls: [call] };
    this.queues.set(group, queue as Queue<unknown>);
    // Start after the current tick so a burst of calls lands in the first batch.
    process.nextTick(() => void this.drain(group, queue));
  }

  private async drain<T>(group: string, queue: Queue<T>): Promise<void> {
    while (queue.calls.length > 0) {
      const calls = queue.calls;
      queue.calls = [];
      await new Promise<void>((next) => {
        // A runner never rejects (Batch.done settles every call itself); go on either way.
        void this.runBatch(queue.io, calls, next).then(next, next);
      });
    }
    this.queues.delete(group);
  }
}
