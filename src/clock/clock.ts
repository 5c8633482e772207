import { performance } from 'node:perf_hooks';

/**
 * Time as memcas reads it: a monotonic `now()` in ms and one-shot timers.
 * Deadlines, backoff sleeps and node health all go through one clock, which
 * tests replace with a manual one instead of sleeping.
 */
export interface Clock {
  /** Monotonic milliseconds (`performance.now()` for the system clock). */
  now(): number;
  /**
   * Calls `fn` once after `ms`; returns a function that cancels it. A
   * `background` timer does not keep the process alive (a health probe).
   */
  setTimer(ms: number, fn: () => void, background?: boolean): () => void;
}

/** The real clock: `performance.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  // performance imported, not the global: the global is a getter run on every read.
  now: () => performance.now(),
  setTimer(ms: number, fn: () => void, background = false): () => void {
    // Node fires delays past 2^31-1 ms at once; a long one fires early instead, and callers re-check.
    const timer = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    if (background) timer.unref();
    return () => clearTimeout(timer);
  },
});

/**
 * Waits `ms` on `clock`; resolves early (without error) when `wake` aborts.
 * Resolves at once for 0 or less.
 */
export function sleep(clock: Clock, ms: number, wake?: AbortSignal): Promise<void> {
  if (ms <= 0 || wake?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      cancel();
      wake?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(ms, done);
    wake?.addEventListener('abort', done, { once: true });
  });
}
