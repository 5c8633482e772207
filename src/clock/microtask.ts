/** A settled promise: a reaction on it is the cheapest microtask. */
const settled = Promise.resolve();

/**
 * Runs `fn` once the microtasks queued so far have run, like `queueMicrotask`
 * but as a reaction on a settled promise. Node's `queueMicrotask` makes an
 * AsyncResource for each call and runs the callback through it: on the
 * uncontended `update()` path that machinery cost more instructions than the
 * callback, and its code crowded the instruction cache (measured with
 * callgrind's cache simulation; see docs/architecture.md). `fn` must not
 * throw: what it throws is an unhandled rejection.
 */
export function afterMicrotasks(fn: () => void): void {
  void settled.then(fn);
}
