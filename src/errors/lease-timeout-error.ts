import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * `getOrCompute()` with `onWaitTimeout: 'fail'` gave up: another caller held
 * the key's lease (computing its value) for the whole `waitMs`. Nothing was
 * computed or written by this call. Retryable: the holder writes the value,
 * or its lease ends after `leaseMs`.
 */
export class LeaseTimeoutError extends MemcasError {
  /** The key, as the caller wrote it. */
  readonly key: string;
  /** How long the call waited, in ms. */
  readonly waitedMs: number;
  /** Reads made while waiting. */
  readonly attempts: number;
  /**
   * @param key - the key @param waitedMs - time waited
   * @param attempts - reads made @param options - the cause, if any
   */
  constructor(key: string, waitedMs: number, attempts: number, options: MemcasErrorOptions = {}) {
    super(
      'LEASE_TIMEOUT',
      `getOrCompute ${JSON.stringify(key)}: another caller holds the lease (computing the value); ` +
        `still held after waiting ${Math.round(waitedMs)} ms (${attempts} reads). Raise waitMs, ` +
        "or use onWaitTimeout: 'compute' to compute it without the lease",
      true,
      options,
    );
    this.key = key;
    this.waitedMs = waitedMs;
    this.attempts = attempts;
  }
}

/**
 * True when `err` is a {@link LeaseTimeoutError} (checked by code).
 * @function
 */
export const isLeaseTimeoutError = codeGuard<LeaseTimeoutError>('LEASE_TIMEOUT');
