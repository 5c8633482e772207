import type { ConflictKind } from '../errors/index.js';
import type { Abort, Remove } from './markers.js';
import type { ResolvedRetryOptions } from './update-options.js';
import type { UpdateContext, UpdateOutcome, UpdateResult } from './update-result.js';

/** The function given to `update()`. */
export type UpdateFn<T, R = unknown> = (
  current: T | undefined,
  context: UpdateContext,
) => T | Remove | Abort<R> | Promise<T | Remove | Abort<R>>;

/** Told how one `update()` call goes (telemetry implements it). */
export interface CallObserver {
  /** The call settled with a result. */
  succeeded(outcome: UpdateOutcome, attempts: number): void;
  /** The call failed after `attempts` attempts. */
  failed(error: unknown, attempts: number): void;
  /** The call took part in a conflict; `delayMs` is the backoff chosen. */
  conflict(attempt: number, kind: ConflictKind, delayMs: number): void;
}

/**
 * One `update()` call: its function and options, and how it settles. A batch
 * runs one or more of them (combining); each settles exactly once.
 */
export class UpdateCall<T> {
  /** Attempts made so far (times `fn` ran). */
  attempts = 0;
  /** The last backoff delay, for policies that grow from it. */
  previousDelayMs = 0;
  /** When the call's time is up (clock ms). */
  readonly deadline: number;
  /** True once resolved or rejected: later attempts to settle it are ignored. */
  settled = false;
  /**
   * A write of this call whose answer was lost (an idempotent call goes on
   * after one). If the call then fails for any reason of memcas's own, it
   * rejects with this error: that write may have been applied.
   */
  lostWrite: Error | undefined;
  /** Undoes whatever watches the call while it waits in a queue. */
  unwatch: (() => void) | undefined;

  /**
   * @param fn - the caller's function
   * @param retry - the resolved retry options
   * @param signal - the caller's AbortSignal
   * @param idempotent - whether a lost write answer may be retried
   * @param started - when the call was made (clock ms)
   * @param fulfil - fulfils the caller's promise
   * @param fail - rejects the caller's promise
   * @param observer - told how the call goes
   * @param onSettled - told once the call has settled (the updater's count of live calls)
   */
  constructor(
    readonly fn: UpdateFn<T>,
    readonly retry: ResolvedRetryOptions,
    readonly signal: AbortSignal | undefined,
    readonly idempotent: boolean,
    readonly started: number,
    private readonly fulfil: (result: UpdateResult<T>) => void,
    private readonly fail: (error: unknown) => void,
    private readonly observer?: CallObserver,
    private readonly onSettled?: (call: UpdateCall<T>) => void,
  ) {
    this.deadline = started + retry.deadlineMs;
  }

  /** Settles the call with a result. */
  resolve(result: UpdateResult<T>): void {
    if (this.settled) return;
    this.settled = true;
    this.observer?.succeeded(result.outcome, result.attempts);
    this.fulfil(result);
    this.onSettled?.(this);
  }

  /**
   * Settles the call with an error. `fromFn` marks the caller's own error
   * (thrown by `fn` or its codec), which is passed on unchanged.
   */
  reject(error: unknown, fromFn = false): void {
    if (this.settled) return;
    this.settled = true;
    const reported = this.lostWrite !== undefined && !fromFn ? this.lostWrite : error;
    this.observer?.failed(reported, this.attempts);
    this.fail(reported);
    this.onSettled?.(this);
  }

  /** Notes a conflict this call took part in. */
  onConflict(attempt: number, kind: ConflictKind, delayMs: number): void {
    this.observer?.conflict(attempt, kind, delayMs);
  }
}
