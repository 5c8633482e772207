import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * `lock()` or `withLock()` gave up: another holder kept the lock for the
 * whole `waitMs` (with `waitMs: 0`, on the one try). Nothing was acquired.
 * Retryable: the holder releases the lock, or it expires after its TTL.
 */
export class LockTimeoutError extends MemcasError {
  /** The lock's key, as the caller wrote it. */
  readonly key: string;
  /** How long the call waited, in ms. */
  readonly waitedMs: number;
  /** Tries made (each an `add` of the lock item). */
  readonly attempts: number;
  /**
   * @param key - the lock's key @param waitedMs - time waited
   * @param attempts - tries made @param options - the cause, if any
   */
  constructor(key: string, waitedMs: number, attempts: number, options: MemcasErrorOptions = {}) {
    super(
      'LOCK_TIMEOUT',
      `lock ${JSON.stringify(key)} is held by another holder: not acquired after waiting ` +
        `${Math.round(waitedMs)} ms (${attempts} tries). Raise waitMs, or make the holder's ` +
        'critical section shorter',
      true,
      options,
    );
    this.key = key;
    this.waitedMs = waitedMs;
    this.attempts = attempts;
  }
}

/**
 * True when `err` is a {@link LockTimeoutError} (checked by code).
 * @function
 */
export const isLockTimeoutError = codeGuard<LockTimeoutError>('LOCK_TIMEOUT');
