import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * A fenced write (`set` or `update` with `{ fence: lock }`) was refused and
 * nothing was written, because the lock can no longer vouch for the writer:
 *
 * - `'superseded'`: the item was already written with a larger fencing token,
 *   by a later holder of the lock (this one paused or lost it past its TTL);
 * - `'released'`: this handle released the lock, or learnt that it lost it;
 * - `'moved'`: the lock's key changed node since it was acquired (a node was
 *   added or removed, or went down under `onNodeDown: 'rehash'`), so its token
 *   can no longer be ordered against the new node's tokens: memcas fails closed.
 *
 * Not retryable with the same lock: acquire the lock again (a new token) and
 * read the current value before deciding what to write.
 */
export class StaleFenceError extends MemcasError {
  /** The key written to, as the caller wrote it. */
  readonly key: string;
  /** Why the write was refused. */
  readonly reason: 'superseded' | 'released' | 'moved';
  /** The fencing token of the lock the write carried. */
  readonly fencingToken: bigint;
  /** With `'superseded'`: the larger token the item was written with. */
  readonly storedToken: bigint | undefined;
  /**
   * @param key - the key written to @param reason - why it was refused
   * @param fencingToken - the writer's token @param storedToken - the item's larger token
   * @param options - the cause, if any
   */
  constructor(
    key: string,
    reason: 'superseded' | 'released' | 'moved',
    fencingToken: bigint,
    storedToken?: bigint,
    options: MemcasErrorOptions = {},
  ) {
    const why =
      reason === 'superseded'
        ? `it was written by a later holder (fencing token ${storedToken} > ${fencingToken})`
        : reason === 'released'
          ? `the lock (fencing token ${fencingToken}) was released or lost`
          : `the lock's key moved to another node since it was acquired (fencing token ${fencingToken})`;
    super(
      'STALE_FENCE',
      `fenced write to ${JSON.stringify(key)} refused, nothing written: ${why}. ` +
        'Acquire the lock again and read the current value',
      false,
      options,
    );
    this.key = key;
    this.reason = reason;
    this.fencingToken = fencingToken;
    this.storedToken = storedToken;
  }
}

/**
 * True when `err` is a {@link StaleFenceError} (checked by code).
 * @function
 */
export const isStaleFenceError = codeGuard<StaleFenceError>('STALE_FENCE');
