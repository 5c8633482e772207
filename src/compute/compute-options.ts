import { decorrelatedJitter, type BackoffPolicy } from '../backoff/index.js';
import type { Codec } from '../codec/index.js';
import { InvalidArgumentError } from '../errors/index.js';

/** What a caller does when another caller's lease outlasts its `waitMs`. */
export type WaitTimeoutAction = 'compute' | 'fail';

/** Options of `getOrCompute()`. */
export interface GetOrComputeOptions<T> {
  /**
   * Expiry of the computed value, in seconds (memcached rules: 0 never, up
   * to 30 days relative, beyond that a Unix time).
   * @defaultValue 0 (never)
   */
  readonly ttlSeconds?: number;
  /**
   * How long the caller that computes holds the key's lease, in ms. Others
   * wait for its value meanwhile; a holder that dies frees the lease when it
   * ends (one that throws frees it at once). Make it longer than a compute
   * takes. On memcached's meta protocol the lease is held in whole seconds by
   * memcached's clock: at least `leaseMs`, at most about 2 s more.
   * @defaultValue 3000
   */
  readonly leaseMs?: number;
  /**
   * How long a caller waits for another's lease, in ms, before `onWaitTimeout`.
   * Longer than `leaseMs` lets a waiter take over a dead holder's lease within
   * one call.
   * @defaultValue 5000
   */
  readonly waitMs?: number;
  /**
   * After `waitMs`: `'compute'` computes the value without the lease (and
   * writes it only if the key is still missing), `'fail'` rejects with
   * {@link LeaseTimeoutError}. Either way at most one call per key per client
   * does so: concurrent calls share it.
   * @defaultValue 'compute'
   */
  readonly onWaitTimeout?: WaitTimeoutAction;
  /**
   * The delays between reads while another caller holds the lease.
   * @defaultValue decorrelatedJitter({ baseMs: 5, capMs: 100 })
   */
  readonly policy?: BackoffPolicy;
  /**
   * Serve-stale window, in seconds. Above 0: after {@link Client.invalidate}
   * callers get the old value (outcome `'stale'`) while one caller
   * recomputes, and a value with fewer than `staleSeconds` left before its
   * expiry is recomputed early by one caller while the others get it
   * (outcome `'stale'`, reason `'expiring'`). Nobody waits. 0: an invalidated
   * value is not served; callers wait for the new one as for a miss. Must be
   * less than a relative `ttlSeconds`, or every read would recompute.
   * @defaultValue 0
   */
  readonly staleSeconds?: number;
  /**
   * Stops this caller's wait: it rejects with the signal's reason. The shared
   * compute goes on while other callers wait for it; its context's signal
   * aborts once every caller has gone.
   * @defaultValue none
   */
  readonly signal?: AbortSignal;
  /**
   * The codec for the value.
   * @defaultValue the client's codec
   */
  readonly codec?: Codec<T>;
}

/** Defaults of {@link GetOrComputeOptions}. */
export const DEFAULT_GET_OR_COMPUTE_OPTIONS: Readonly<
  Required<Omit<GetOrComputeOptions<unknown>, 'signal' | 'codec'>>
> = Object.freeze({
  ttlSeconds: 0,
  leaseMs: 3000,
  waitMs: 5000,
  onWaitTimeout: 'compute',
  policy: decorrelatedJitter({ baseMs: 5, capMs: 100 }),
  staleSeconds: 0,
});

/** The option names `getOrCompute()` knows. */
export const GET_OR_COMPUTE_OPTION_NAMES: readonly string[] = Object.freeze([
  'ttlSeconds',
  'leaseMs',
  'waitMs',
  'onWaitTimeout',
  'policy',
  'staleSeconds',
  'signal',
  'codec',
]);

/** `getOrCompute()` options with every field set (the TTL, signal and codec are checked by the client). */
export interface ResolvedComputeOptions {
  readonly leaseMs: number;
  readonly waitMs: number;
  readonly onWaitTimeout: WaitTimeoutAction;
  readonly policy: BackoffPolicy;
  readonly staleSeconds: number;
}

/** The longest lease or wait: what a timer can hold (about 24.8 days). */
const MAX_MS = 2 ** 31 - 1;
/** The longest serve-stale window: memcached's 30 days of relative TTL. */
const MAX_STALE_SECONDS = 60 * 60 * 24 * 30;

/**
 * Merges `getOrCompute()` options over the defaults and checks them.
 * @throws {@link InvalidArgumentError} naming the bad option
 */
export function resolveComputeOptions(
  options: GetOrComputeOptions<unknown>,
): ResolvedComputeOptions {
  const d = DEFAULT_GET_OR_COMPUTE_OPTIONS;
  const leaseMs = options.leaseMs ?? d.leaseMs;
  if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_MS) {
    throw new InvalidArgumentError(
      `getOrCompute: leaseMs must be a whole number of ms from 1 to ${MAX_MS}, got ${String(leaseMs)}`,
    );
  }
  const waitMs = options.waitMs ?? d.waitMs;
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0 || waitMs > MAX_MS) {
    throw new InvalidArgumentError(
      `getOrCompute: waitMs must be a number of ms from 0 to ${MAX_MS}, got ${String(waitMs)}`,
    );
  }
  const onWaitTimeout = options.onWaitTimeout ?? d.onWaitTimeout;
  if (onWaitTimeout !== 'compute' && onWaitTimeout !== 'fail') {
    throw new InvalidArgumentError(
      `getOrCompute: onWaitTimeout must be 'compute' or 'fail', got ${String(onWaitTimeout)}`,
    );
  }
  const policy = options.policy ?? d.policy;
  if (typeof policy?.delay !== 'function') {
    throw new InvalidArgumentError('getOrCompute: policy must be a BackoffPolicy');
  }
  const staleSeconds = options.staleSeconds ?? d.staleSeconds;
  if (!Number.isInteger(staleSeconds) || staleSeconds < 0 || staleSeconds > MAX_STALE_SECONDS) {
    throw new InvalidArgumentError(
      `getOrCompute: staleSeconds must be a whole number of seconds from 0 to ${MAX_STALE_SECONDS}, got ${String(staleSeconds)}`,
    );
  }
  const ttl = options.ttlSeconds ?? 0;
  if (typeof ttl === 'number' && ttl > 0 && ttl <= MAX_STALE_SECONDS && staleSeconds >= ttl) {
    // Every value would be inside its own early-recache window: recomputed on every read.
    throw new InvalidArgumentError(
      `getOrCompute: staleSeconds (${staleSeconds}) must be less than ttlSeconds (${ttl}), or every read would recompute`,
    );
  }
  return { leaseMs, waitMs, onWaitTimeout, policy, staleSeconds };
}
