import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * The lock `withLock()` held for `fn` was lost while `fn` ran: an automatic
 * extension found it expired or taken by another holder (`'lost'`), its key
 * moved to another node (`'moved'`), or no extension could reach the node
 * before the lock's TTL ran out (`'unreachable'`, the last failure is the
 * `cause`). It is the reason the `signal` given to `fn` aborts with, and
 * `withLock()` rejects with it even if `fn` resolved, since `fn`'s work may
 * have overlapped another holder's. Fenced writes made after the loss are
 * refused by the store ({@link StaleFenceError}).
 */
export class LockLostError extends MemcasError {
  /** The lock's key, as the caller wrote it. */
  readonly key: string;
  /** How it was lost. */
  readonly reason: 'lost' | 'moved' | 'unreachable';
  /** The fencing token of the lock that was lost. */
  readonly fencingToken: bigint;
  /**
   * @param key - the lock's key @param reason - how it was lost
   * @param fencingToken - the lost lock's token @param options - the cause, if any
   */
  constructor(
    key: string,
    reason: 'lost' | 'moved' | 'unreachable',
    fencingToken: bigint,
    options: MemcasErrorOptions = {},
  ) {
    const why =
      reason === 'lost'
        ? 'an extension found it expired or taken by another holder'
        : reason === 'moved'
          ? 'its key moved to another node'
          : 'no extension reached its node before the TTL ran out';
    super(
      'LOCK_LOST',
      `lock ${JSON.stringify(key)} (fencing token ${fencingToken}) was lost while held: ${why}. ` +
        'Work done since may overlap another holder; fenced writes from it are refused',
      false,
      options,
    );
    this.key = key;
    this.reason = reason;
    this.fencingToken = fencingToken;
  }
}

/**
 * True when `err` is a {@link LockLostError} (checked by code).
 * @function
 */
export const isLockLostError = codeGuard<LockLostError>('LOCK_LOST');
