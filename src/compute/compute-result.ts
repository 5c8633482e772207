/**
 * Why a value had to be (re)computed, or is being: the key was missing, it
 * was invalidated, it is close to expiry (the early-recache window), or this
 * caller waited `waitMs` for another's lease and then computed it itself.
 */
export type ComputeReason = 'miss' | 'invalidated' | 'expiring' | 'wait_timeout';

/** The value was in the cache. */
export interface ComputeHit<T> {
  /** `'hit'`. */
  readonly outcome: 'hit';
  /** The cached value. */
  readonly value: T;
  /**
   * Time spent waiting for another caller's compute, in ms: 0 when the value
   * was there at the first read.
   */
  readonly waitedMs: number;
  /** True when this call joined a concurrent call for the same key in this client (no request of its own). */
  readonly shared: boolean;
}

/** This client computed the value, holding the key's lease (or, after `waitMs`, without it). */
export interface ComputeComputed<T> {
  /** `'computed'`. */
  readonly outcome: 'computed';
  /** What `compute` returned. */
  readonly value: T;
  /** Why it was computed. */
  readonly reason: ComputeReason;
  /**
   * Whether the value was written. False when a newer value (or lease) was
   * there by the time it was ready: it is not overwritten, and the caller
   * gets the value it computed.
   */
  readonly stored: boolean;
  /** Time spent waiting for another caller's lease first, in ms (0 when it won at once). */
  readonly waitedMs: number;
  /** True when this call joined a concurrent call for the same key in this client (and its compute). */
  readonly shared: boolean;
}

/**
 * The old value, served while one caller recomputes it: it was invalidated
 * ({@link Client.invalidate}), or is within `staleSeconds` of expiry and
 * another caller is refreshing it early. Only with `staleSeconds` above 0.
 */
export interface ComputeStale<T> {
  /** `'stale'`. */
  readonly outcome: 'stale';
  /** The old value. */
  readonly value: T;
  /** `'invalidated'` or `'expiring'`. */
  readonly reason: 'invalidated' | 'expiring';
  /** Always 0: a stale value is served without waiting. */
  readonly waitedMs: number;
  /** True when this call joined a concurrent call for the same key in this client. */
  readonly shared: boolean;
}

/**
 * The result of `getOrCompute()`, a union on `outcome`: `'hit'`, `'computed'`
 * or `'stale'`; `r.value` is the value in every case.
 *
 * @example
 * ```ts
 * const r = await store.getOrCompute('user:1001', () => db.loadProfile(1001), { ttlSeconds: 300 });
 * if (r.outcome === 'stale') log.debug('served stale while another process refreshes', r.reason);
 * render(r.value);
 * ```
 */
export type ComputeResult<T> = ComputeHit<T> | ComputeComputed<T> | ComputeStale<T>;

/** What `compute` receives. */
export interface ComputeContext<T> {
  /** The key (without prefix). */
  readonly key: string;
  /** Why the value is being computed. */
  readonly reason: ComputeReason;
  /** The value being replaced, when there is one (`'invalidated'`, `'expiring'`). */
  readonly previous: T | undefined;
  /**
   * Aborted when every caller waiting for this compute has gone (each
   * caller's `signal` aborted) or the client closes.
   */
  readonly signal: AbortSignal;
}

/** The function that produces a missing value. It may be async; a throw frees the lease at once and rejects every caller sharing it. */
export type ComputeFn<T> = (context: ComputeContext<T>) => T | Promise<T>;

/** Result of `invalidate()`: the value was marked stale (or dropped), or the key was missing. */
export type InvalidateResult = 'invalidated' | 'not_found';
