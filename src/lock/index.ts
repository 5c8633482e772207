export { Lock, type LockEvents } from './lock.js';
export { Locker, type LockObserver, type LockOutcome } from './locker.js';
export {
  DEFAULT_LOCK_OPTIONS,
  resolveLockOptions,
  type LockOptions,
  type WithLockOptions,
  type FenceOptions,
  type ResolvedLockOptions,
} from './lock-options.js';
export { holdWhile, type WithLockFn } from './with-lock.js';
export { FencedUpdateIO } from './fenced-io.js';
export { fencingToken } from './fencing-token.js';
export { lockItemKey, LOCK_KEY_PREFIX } from './lock-key.js';
