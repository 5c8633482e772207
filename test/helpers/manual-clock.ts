import type { Clock } from '../../src/clock/index.js';

/**
 * A clock that moves only when told: `advance(ms)` runs the timers that fall
 * due, in order, letting promise callbacks run between them.
 */
export class ManualClock implements Clock {
  private time = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void, _background?: boolean): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.time + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time to the next timer and fires it (and any due with it). */
  async advanceToNext(): Promise<void> {
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    const next = this.timers[0];
    if (next !== undefined) await this.advance(next.at - this.time);
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
    await settle();
  }
}

/**
 * Drives `clock` until `promise` settles: lets real I/O happen for `quietMs`
 * of real time, then fires the next timer if one is waiting (a timer armed
 * only while I/O was in flight is gone by then), and again.
 */
export async function runUntilSettled<T>(
  clock: ManualClock,
  promise: Promise<T>,
  quietMs = 10,
): Promise<PromiseSettledResult<T>> {
  let result: PromiseSettledResult<T> | undefined;
  void promise.then(
    (value) => (result = { status: 'fulfilled', value }),
    (reason: unknown) => (result = { status: 'rejected', reason }),
  );
  for (let i = 0; result === undefined && i < 1000; i++) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    if (result === undefined && clock.pending > 0) await clock.advanceToNext();
  }
  if (result === undefined) throw new Error('runUntilSettled: the promise never settled');
  return result;
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
