import type { Clock } from '../clock/index.js';
import { LockLostError } from '../errors/index.js';
import type { Lock } from './lock.js';

/** What `withLock` runs while it holds the lock. */
export type WithLockFn<R> = (lock: Lock, signal: AbortSignal) => R | Promise<R>;

/**
 * Runs `fn(lock, signal)` while holding `lock`: extends it every
 * `extendEveryMs` while `fn` runs and releases it afterwards, also when `fn`
 * throws. If an extension finds the lock lost (expired and taken, or its key
 * moved), or none reaches the node before the lock's TTL runs out, `signal`
 * aborts with a {@link LockLostError} and the call rejects with it, even if
 * `fn` resolves: `fn`'s work may have overlapped another holder's. The
 * caller's own `outer` signal aborting also aborts `signal`.
 * @internal
 */
export async function holdWhile<R>(
  lock: Lock,
  fn: WithLockFn<R>,
  extendEveryMs: number,
  clock: Clock,
  outer?: AbortSignal,
): Promise<R> {
  const controller = new AbortController();
  let lost: LockLostError | undefined;
  let stopped = false;
  let cancel: (() => void) | undefined;

  const lose = (reason: LockLostError['reason'], cause?: unknown): void => {
    lost = new LockLostError(lock.key, reason, lock.fencingToken, { cause });
    controller.abort(lost);
  };
  const schedule = (ms: number): void => {
    cancel = clock.setTimer(ms, () => void extend());
  };
  // fn is told when the lock's own deadline passes with no extension having
  // reached the node, not only when a hung extension times out later: by then
  // another holder may have it.
  let cancelExpiry: (() => void) | undefined;
  const watchExpiry = (): void => {
    cancelExpiry?.();
    cancelExpiry = clock.setTimer(Math.max(0, lock.deadline - clock.now()), () => {
      cancelExpiry = undefined;
      if (stopped || lost !== undefined) return;
      if (lock.deadline <= clock.now()) lose('unreachable');
      else watchExpiry();
    });
  };
  const extend = async (): Promise<void> => {
    try {
      const extended = await lock.extend();
      if (stopped) return;
      if (extended) {
        watchExpiry();
        schedule(extendEveryMs);
      }
      // Not extended and not lost: fn released the lock itself, nothing more to do.
      else if (lock.lostAs !== undefined) lose(lock.lostAs);
    } catch (err) {
      if (stopped) return;
      // The node did not answer: try again soon, while the lock still lives.
      const left = lock.deadline - clock.now();
      if (left <= 0) lose('unreachable', err);
      else schedule(Math.min(extendEveryMs / 2, left));
    }
  };
  const onOuter = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  schedule(extendEveryMs);
  watchExpiry();
  /** Stops extending and releases; false only when the node said the lock was no longer this handle's. */
  const finish = async (): Promise<boolean> => {
    stopped = true;
    cancel?.();
    cancelExpiry?.();
    outer?.removeEventListener('abort', onOuter);
    // Runs after any extension in flight (a lock's writes are serial); a
    // failure to reach the node leaves the lock to expire after its TTL.
    return lock.release().catch(() => true);
  };
  let result: R;
  try {
    result = await fn(lock, controller.signal);
  } catch (err) {
    await finish();
    throw err;
  }
  const releasedByFn = lock.released;
  const released = await finish();
  if (lost !== undefined) throw lost;
  // fn ended holding the lock, yet it was no longer this handle's: it expired
  // and was taken while fn ran (a pause no extension saw), so fn's work may
  // have overlapped another holder's.
  if (!released && !releasedByFn) throw new LockLostError(lock.key, 'lost', lock.fencingToken);
  return result;
}
