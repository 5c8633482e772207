import { performance } from 'node:perf_hooks';
import { afterMicrotasks } from '../clock/index.js';

let cached: number | undefined;
const forget = (): void => {
  cached = undefined;
};

/**
 * `performance.now()` for the end of an operation, read once per synchronous
 * run: a socket read settles every reply it carries in one run, and they all
 * arrived together, so one clock read serves them all (on a busy connection
 * that is many; a clock read costs 60–130 ns on the 2-core VM the bench runs
 * on). The reading is forgotten by a microtask queued with it, before any
 * continuation of the operations it settled can run, so an operation started
 * after it never ends with it (callers clamp at 0 for one settled within its
 * own start).
 */
export function replyTime(): number {
  if (cached === undefined) {
    cached = performance.now();
    afterMicrotasks(forget);
  }
  return cached;
}
