import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * A call would have retried, but the client's retry budget (the `retryBudget`
 * option) is spent: recent retries already reached their share of recent
 * calls. The call fails fast instead of adding load to a node that is
 * already contended; nothing was written by it. The last conflict (or what
 * made the call want to retry) is the `cause`. Retryable: the budget refills
 * as new calls arrive and old retries leave the window.
 */
export class RetryBudgetExhaustedError extends MemcasError {
  /** The key the call was for. */
  readonly key: string;
  /** What was retrying: `'update'`, `'lock'`, `'getOrCompute'`. */
  readonly operation: string;
  /** Attempts the call made before it was stopped. */
  readonly attempts: number;
  /**
   * @param operation - what was retrying @param key - the key
   * @param attempts - attempts made @param options - the last conflict
   */
  constructor(operation: string, key: string, attempts: number, options: MemcasErrorOptions = {}) {
    super(
      'RETRY_BUDGET_EXHAUSTED',
      `${operation} of ${JSON.stringify(key)} stopped after ${attempts} attempt(s): the client's retry budget ` +
        `is spent (too many retries among recent calls), so it failed fast instead of retrying. ` +
        `Reduce contention on hot keys, or raise retryBudget.ratio / retryBudget.minPerSecond`,
      true,
      options,
    );
    this.key = key;
    this.operation = operation;
    this.attempts = attempts;
  }
}

/**
 * True when `err` is a {@link RetryBudgetExhaustedError} (checked by code).
 * @function
 */
export const isRetryBudgetExhaustedError =
  codeGuard<RetryBudgetExhaustedError>('RETRY_BUDGET_EXHAUSTED');
