import { InvalidArgumentError } from '../errors/index.js';
import { decorrelatedJitter, type BackoffPolicy } from '../backoff/index.js';
import type { Codec } from '../codec/index.js';

/** Client-wide defaults for `update()`; each can be overridden per call. */
export interface RetryOptions {
  /**
   * How long to wait after a CAS conflict.
   * @defaultValue decorrelatedJitter({ baseMs: 2, capMs: 250 })
   */
  readonly policy?: BackoffPolicy;
  /**
   * Attempts (reads + writes) before giving up with {@link RetryExhaustedError}.
   * @defaultValue 20
   */
  readonly maxAttempts?: number;
  /**
   * Total time budget in ms, measured on a monotonic clock from the call.
   * @defaultValue 2000
   */
  readonly deadlineMs?: number;
  /**
   * Random source for jitter, returning [0, 1).
   * @defaultValue Math.random
   */
  readonly random?: () => number;
}

/** Options of {@link Client.update}. */
export interface UpdateOptions<T> extends RetryOptions {
  /**
   * Cancels the update: it rejects with the signal's reason promptly, also
   * during a backoff sleep. `fn` sees the signal in its context.
   * @defaultValue none
   */
  readonly signal?: AbortSignal;
  /**
   * Expiry of the written value, in seconds (memcached rules).
   * @defaultValue 0 (never)
   */
  readonly ttlSeconds?: number;
  /**
   * Declares that running `fn` twice has the same effect as once. When a
   * write's answer is lost, an idempotent update reads again and carries on;
   * otherwise it rejects with {@link IndeterminateWriteError}.
   * @defaultValue false
   */
  readonly idempotent?: boolean;
  /**
   * The codec for the value.
   * @defaultValue the client's codec
   */
  readonly codec?: Codec<T>;
  /**
   * Combine with concurrent `update()` calls on the same key in this client
   * (one read and one write for all of them).
   * @defaultValue the client's `combineUpdates` (true)
   */
  readonly combine?: boolean;
}

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY_OPTIONS: Readonly<Required<RetryOptions>> = Object.freeze({
  policy: decorrelatedJitter({ baseMs: 2, capMs: 250 }),
  maxAttempts: 20,
  deadlineMs: 2000,
  random: Math.random,
});

/** Retry options with every field set. */
export interface ResolvedRetryOptions {
  readonly policy: BackoffPolicy;
  readonly maxAttempts: number;
  readonly deadlineMs: number;
  readonly random: () => number;
}

/**
 * Merges retry options over a base and checks them.
 * @throws TypeError naming the bad option
 */
export function resolveRetryOptions(
  options: RetryOptions = {},
  base: ResolvedRetryOptions = DEFAULT_RETRY_OPTIONS,
): ResolvedRetryOptions {
  const policy = options.policy ?? base.policy;
  if (typeof policy?.delay !== 'function')
    throw new InvalidArgumentError('policy must be a BackoffPolicy');
  const maxAttempts = options.maxAttempts ?? base.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidArgumentError(
      `maxAttempts must be a whole number >= 1, got ${String(maxAttempts)}`,
    );
  }
  const deadlineMs = options.deadlineMs ?? base.deadlineMs;
  if (typeof deadlineMs !== 'number' || Number.isNaN(deadlineMs) || deadlineMs <= 0) {
    throw new InvalidArgumentError(
      `deadlineMs must be a number of ms > 0 (Infinity allowed), got ${String(deadlineMs)}`,
    );
  }
  const random = options.random ?? base.random;
  if (typeof random !== 'function')
    throw new InvalidArgumentError('random must be a function returning [0, 1)');
  return { policy, maxAttempts, deadlineMs, random };
}
