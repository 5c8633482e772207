import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * `update()` kept losing CAS races until its budget ran out: `maxAttempts`
 * attempts, or `deadlineMs`. Nothing was written by this call. The last
 * conflict is the `cause`.
 */
export class RetryExhaustedError extends MemcasError {
  /** The key. */
  readonly key: string;
  /** Attempts made. */
  readonly attempts: number;
  /** Time spent, in ms. */
  readonly elapsedMs: number;
  /** Which budget ran out. */
  readonly reason: 'attempts' | 'deadline';
  /**
   * @param key - the key @param attempts - attempts made @param elapsedMs - time spent
   * @param reason - which budget ran out @param options - the last conflict
   */
  constructor(
    key: string,
    attempts: number,
    elapsedMs: number,
    reason: 'attempts' | 'deadline',
    options: MemcasErrorOptions = {},
  ) {
    const budget = reason === 'attempts' ? 'maxAttempts' : 'deadlineMs';
    super(
      'RETRY_EXHAUSTED',
      `update of ${JSON.stringify(key)} gave up after ${attempts} attempts in ${Math.round(elapsedMs)} ms ` +
        `(${budget} reached); nothing was written. Raise ${budget}, or reduce contention on the key`,
      true,
      options,
    );
    this.key = key;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.reason = reason;
  }
}

/**
 * True when `err` is a {@link RetryExhaustedError} (checked by code).
 * @function
 */
export const isRetryExhaustedError = codeGuard<RetryExhaustedError>('RETRY_EXHAUSTED');
