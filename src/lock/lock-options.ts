import { decorrelatedJitter, type BackoffPolicy } from '../backoff/index.js';
import { RELATIVE_TTL_LIMIT_SECONDS } from '../backend/index.js';
import { InvalidArgumentError } from '../errors/index.js';
import type { Lock } from './lock.js';

/** Options of `client.lock()`. */
export interface LockOptions {
  /**
   * How long the lock lives unless extended, in ms (at least 1000: memcached
   * counts TTLs in whole seconds). The server keeps the lock item up to
   * `ceil(ttlMs / 1000) + 1` s, so it never expires before `expiresAt`.
   * @defaultValue 10000
   */
  readonly ttlMs?: number;
  /**
   * How long to wait for a lock someone else holds, in ms; 0 tries once.
   * Past it, the call rejects with {@link LockTimeoutError}.
   * @defaultValue 10000
   */
  readonly waitMs?: number;
  /**
   * How long to wait between tries while the lock is held (any backoff policy).
   * @defaultValue decorrelatedJitter({ baseMs: 5, capMs: 250 })
   */
  readonly policy?: BackoffPolicy;
  /**
   * Stops waiting: the call rejects with the signal's reason (a try already
   * sent finishes first; a lock it won is released).
   * @defaultValue none
   */
  readonly signal?: AbortSignal;
}

/** Options of `client.withLock()`. */
export interface WithLockOptions extends LockOptions {
  /**
   * How often the lock is extended (by `ttlMs`) while `fn` runs, in ms.
   * @defaultValue a third of `ttlMs`
   */
  readonly extendEveryMs?: number;
}

/** Options of a fenced write: `set(key, value, { fence })` and `update(key, fn, { fence })`. */
export interface FenceOptions {
  /**
   * Write only if no later holder of this lock has written the key: the item
   * keeps the largest fencing token that wrote it, and a write with a smaller
   * one is refused with {@link StaleFenceError}, nothing written. Reads see the
   * plain value. See docs/locks.md.
   * @defaultValue none: an ordinary write
   */
  readonly fence?: Lock;
}

/** Defaults of {@link LockOptions}. */
export const DEFAULT_LOCK_OPTIONS: Readonly<Required<Omit<LockOptions, 'signal'>>> = Object.freeze({
  ttlMs: 10_000,
  waitMs: 10_000,
  policy: decorrelatedJitter({ baseMs: 5, capMs: 250 }),
});

/** Lock options with every field checked and set. @internal */
export interface ResolvedLockOptions {
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly policy: BackoffPolicy;
  readonly signal: AbortSignal | undefined;
  readonly extendEveryMs: number;
}

/** The longest TTL in ms: memcached reads more than 30 days as a Unix time. @internal */
export const MAX_LOCK_TTL_MS = (RELATIVE_TTL_LIMIT_SECONDS - 1) * 1000;

const KNOWN = ['ttlMs', 'waitMs', 'policy', 'signal', 'extendEveryMs'];

/**
 * Checks the options of one `lock()` or `withLock()` call.
 * @throws {@link InvalidArgumentError} naming the bad option
 * @internal
 */
export function resolveLockOptions(options: WithLockOptions, op: string): ResolvedLockOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${op}: options must be an object, got ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) {
      throw new InvalidArgumentError(
        `${op}: unknown option ${JSON.stringify(name)} (known: ${KNOWN.join(', ')})`,
      );
    }
  }
  const ttlMs = checkTtlMs(options.ttlMs ?? DEFAULT_LOCK_OPTIONS.ttlMs, `${op}: ttlMs`);
  const waitMs = options.waitMs ?? DEFAULT_LOCK_OPTIONS.waitMs;
  if (typeof waitMs !== 'number' || Number.isNaN(waitMs) || waitMs < 0) {
    throw new InvalidArgumentError(
      `${op}: waitMs must be a number of ms >= 0 (Infinity allowed), got ${String(waitMs)}`,
    );
  }
  const policy = options.policy ?? DEFAULT_LOCK_OPTIONS.policy;
  if (typeof policy?.delay !== 'function') {
    throw new InvalidArgumentError(`${op}: policy must be a BackoffPolicy`);
  }
  const extendEveryMs = options.extendEveryMs ?? ttlMs / 3;
  if (
    typeof extendEveryMs !== 'number' ||
    !Number.isFinite(extendEveryMs) ||
    extendEveryMs <= 0 ||
    extendEveryMs >= ttlMs
  ) {
    throw new InvalidArgumentError(
      `${op}: extendEveryMs must be a number of ms > 0 and < ttlMs (${ttlMs}), got ${String(extendEveryMs)}`,
    );
  }
  return { ttlMs, waitMs, policy, signal: options.signal, extendEveryMs };
}

/**
 * Checks a lock TTL in ms.
 * @throws {@link InvalidArgumentError} naming the option
 * @internal
 */
export function checkTtlMs(ttlMs: unknown, name: string): number {
  if (
    typeof ttlMs !== 'number' ||
    !Number.isFinite(ttlMs) ||
    ttlMs < 1000 ||
    ttlMs > MAX_LOCK_TTL_MS
  ) {
    throw new InvalidArgumentError(
      `${name} must be a number of ms from 1000 to ${MAX_LOCK_TTL_MS} (memcached counts TTLs in ` +
        `whole seconds, up to 30 days), got ${String(ttlMs)}`,
    );
  }
  return ttlMs;
}
