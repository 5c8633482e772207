import type { ConflictKind } from '../errors/index.js';
import type { UpdateTracker } from '../telemetry/index.js';
import type { ResolvedRetryOptions, UpdateFn, UpdateResult, Waiter } from '../txn/index.js';

/**
 * One `update()` call as a batch sees it: its function and options, and
 * settle callbacks that tell telemetry before settling the caller's promise.
 */
export class UpdateCall<T> implements Waiter<T> {
  attempts = 0;
  previousDelayMs = 0;

  /**
   * @param fn - the caller's function
   * @param retry - the resolved retry options
   * @param signal - the caller's AbortSignal
   * @param idempotent - whether a lost write answer may be retried
   * @param started - when the call was made (clock ms)
   * @param tracker - the call's telemetry
   * @param fulfil - fulfils the caller's promise
   * @param fail - rejects the caller's promise
   */
  constructor(
    readonly fn: UpdateFn<T>,
    readonly retry: ResolvedRetryOptions,
    readonly signal: AbortSignal | undefined,
    readonly idempotent: boolean,
    readonly started: number,
    private readonly tracker: UpdateTracker,
    private readonly fulfil: (result: UpdateResult<T>) => void,
    private readonly fail: (error: unknown) => void,
  ) {}

  resolve(result: UpdateResult<T>): void {
    this.tracker.succeeded(result.outcome, result.attempts);
    this.fulfil(result);
  }

  reject(error: unknown): void {
    this.tracker.failed(error, this.attempts);
    this.fail(error);
  }

  onConflict(attempt: number, kind: ConflictKind, delayMs: number): void {
    this.tracker.conflict(attempt, kind, delayMs);
  }
}
