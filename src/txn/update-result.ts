/** What an `update()` did. */
export type UpdateOutcome = 'created' | 'updated' | 'removed' | 'aborted';

/** The result of an `update()`. */
export interface UpdateResult<T, R = unknown> {
  /** What happened: created (via add), updated (via cas), removed (via CAS delete), or aborted (nothing written). */
  readonly outcome: UpdateOutcome;
  /** The value stored after this call's `fn` (for `aborted`, the value it saw; for `removed`, undefined). */
  readonly value: T | undefined;
  /** The CAS token of the stored value (undefined when the key is absent). */
  readonly cas: bigint | undefined;
  /** Attempts this call made (1 when the first write won). */
  readonly attempts: number;
  /** For `aborted`: the result given to `abort()`. */
  readonly result?: R;
}

/** What `fn` receives besides the current value. */
export interface UpdateContext {
  /** The key (without prefix). */
  readonly key: string;
  /** This attempt's number: 1, 2, … */
  readonly attempt: number;
  /** Aborted when the caller's signal aborts. */
  readonly signal: AbortSignal;
}
