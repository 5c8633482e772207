import pRetry, { AbortError } from 'p-retry';
import { abortableSleep } from '../backoff/index.js';
import {
  CasConflictError,
  isCasConflictError,
  isIndeterminateWriteError,
  RetryExhaustedError,
  type ConflictKind,
} from '../errors/index.js';
import { isAbort, isRemove, type Abort, type Remove } from './markers.js';
import type { ResolvedRetryOptions } from './update-options.js';
import type { Snapshot, UpdateIO } from './update-io.js';
import type { UpdateContext, UpdateOutcome, UpdateResult } from './update-result.js';

/** The function given to `update()`. */
export type UpdateFn<T, R = unknown> = (
  current: T | undefined,
  context: UpdateContext,
) => T | Remove | Abort<R> | Promise<T | Remove | Abort<R>>;

/** One `update()` call waiting in a batch. */
export interface Waiter<T> {
  readonly fn: UpdateFn<T>;
  readonly retry: ResolvedRetryOptions;
  readonly signal: AbortSignal | undefined;
  readonly idempotent: boolean;
  /** When the call was made (clock ms). */
  readonly started: number;
  readonly resolve: (result: UpdateResult<T>) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
  previousDelayMs: number;
  /** Told of each conflict this call took part in, with the delay chosen. */
  readonly onConflict?: (attempt: number, kind: ConflictKind, delayMs: number) => void;
}

/** Told what a batch does, for telemetry. */
export interface BatchObserver {
  /** A batch of `size` calls starts. */
  started(size: number): void;
  /** The batch backs off `delayMs` after a conflict. */
  backedOff(delayMs: number): void;
}

/** Carries any non-conflict failure through p-retry unchanged (even a non-Error throw). */
class Passthrough extends Error {
  constructor(readonly thrown: unknown) {
    super('memcas passthrough');
  }
}

const NEVER = new AbortController().signal;
// Aborting with a ready-made reason avoids building a DOMException per batch.
const STOPPED = Object.freeze(new Error('memcas: every call in the batch has settled'));

/**
 * Runs the read-modify-write loop for a batch of `update()` calls on one key:
 * one read, each function applied in arrival order to the previous one's
 * result, one write; on a conflict, back off and do it all again. A batch of
 * one is a plain `update()`. The first attempt runs directly; p-retry runs the
 * retries. Only CAS conflicts are retried, and every other failure passes
 * through unchanged.
 */
export class Batch<T> {
  private readonly live = new Set<Waiter<T>>();
  // Made only when a backoff sleep needs waking: most batches never sleep.
  private stop: AbortController | undefined;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly io: UpdateIO<T>,
    waiters: ReadonlyArray<Waiter<T>>,
    private readonly now: () => number,
    private readonly observer?: BatchObserver,
  ) {
    for (const w of waiters) {
      const signal = w.signal;
      if (signal?.aborted) {
        w.reject(signal.reason);
        continue;
      }
      this.live.add(w);
      if (signal) {
        const onAbort = (): void => this.settle(w, () => w.reject(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  /** Runs until every call in the batch has settled. Never rejects. */
  async run(): Promise<void> {
    if (this.live.size === 0) return;
    this.observer?.started(this.live.size);
    const waiters = [...this.live];
    try {
      // Most updates win their first attempt, so it runs directly: p-retry's
      // own setup cost a quarter of an uncontended update. From the first
      // conflict on, p-retry runs the loop.
      try {
        await this.attempt(1);
        return;
      } catch (err) {
        if (!isCasConflictError(err) || this.live.size === 0) throw err;
        await this.backoff(err, 1);
      }
      if (this.live.size === 0) return;
      const start = this.now();
      await pRetry((n) => this.retry(n + 1), {
        // Attempts 2 … maxAttempts.
        retries: Math.max(...waiters.map((w) => w.retry.maxAttempts)) - 2,
        maxRetryTime: Math.max(...waiters.map((w) => w.started + w.retry.deadlineMs - start)),
        // The policy's delay is awaited in onFailedAttempt; p-retry's own is off.
        minTimeout: 0,
        maxTimeout: 0,
        // A lone caller's signal stops p-retry directly; a batch watches each caller's own.
        signal: waiters.length === 1 ? waiters[0]?.signal : undefined,
        onFailedAttempt: (context) => this.backoff(context.error, context.attemptNumber + 1),
        shouldRetry: ({ error }) => isCasConflictError(error) && this.live.size > 0,
      });
    } catch (err) {
      const thrown = err instanceof Passthrough ? err.thrown : err;
      for (const w of [...this.live]) this.settle(w, () => w.reject(this.finalError(w, thrown)));
    } finally {
      for (const cleanup of this.cleanups) cleanup();
    }
  }

  /** One attempt under p-retry: anything but a conflict stops the loop, unchanged. */
  private async retry(attempt: number): Promise<void> {
    try {
      await this.attempt(attempt);
    } catch (err) {
      throw err instanceof Passthrough ? new AbortError(err) : err;
    }
  }

  private async attempt(attempt: number): Promise<void> {
    let snapshot: Snapshot<T>;
    try {
      snapshot = await this.io.read();
    } catch (err) {
      throw new Passthrough(err);
    }
    let present = snapshot.cas !== 0n;
    let current = snapshot.value;
    let bytes: Buffer | undefined;
    const applied: Array<{ w: Waiter<T>; outcome: UpdateOutcome; value: T | undefined }> = [];
    // Decisions made on a value earlier functions produced but not yet written
    // stand only if that write lands; on a conflict those calls run again.
    const deferred: Array<{ w: Waiter<T>; settle: () => void }> = [];
    const decide = (w: Waiter<T>, settle: () => void): void => {
      if (applied.length === 0) this.settle(w, settle);
      else deferred.push({ w, settle });
    };

    for (const w of [...this.live]) {
      w.attempts++;
      let next: T | Remove | Abort<unknown>;
      try {
        next = await w.fn(current, {
          key: this.io.key,
          attempt: w.attempts,
          signal: w.signal ?? NEVER,
        });
      } catch (err) {
        decide(w, () => w.reject(err));
        continue;
      }
      if (!this.live.has(w)) continue;
      if (isAbort(next)) {
        const seen = current;
        const cas = applied.length === 0 && present ? snapshot.cas : undefined;
        decide(w, () =>
          w.resolve({
            outcome: 'aborted',
            value: seen,
            cas,
            attempts: w.attempts,
            result: next.result,
          }),
        );
        continue;
      }
      if (isRemove(next)) {
        applied.push({ w, outcome: 'removed', value: undefined });
        present = false;
        current = undefined;
        bytes = undefined;
        continue;
      }
      let encoded: Buffer;
      try {
        encoded = this.io.encode(next);
      } catch (err) {
        decide(w, () => w.reject(err));
        continue;
      }
      applied.push({ w, outcome: present ? 'updated' : 'created', value: next });
      present = true;
      current = next;
      bytes = encoded;
    }
    if (applied.length === 0) return;

    let written;
    try {
      written = await this.io.write(snapshot, present ? bytes : undefined);
    } catch (err) {
      if (!isIndeterminateWriteError(err)) throw new Passthrough(err);
      // The write may have landed: only calls whose fn may safely run again go on.
      for (const a of applied) if (!a.w.idempotent) this.settle(a.w, () => a.w.reject(err));
      throw new CasConflictError(this.io.key, 'indeterminate', attempt, { cause: err });
    }
    if (written.kind !== 'stored') throw new CasConflictError(this.io.key, written.kind, attempt);
    const cas = present ? written.cas : undefined;
    for (const a of applied) {
      this.settle(a.w, () =>
        a.w.resolve({ outcome: a.outcome, value: a.value, cas, attempts: a.w.attempts }),
      );
    }
    for (const d of deferred) this.settle(d.w, d.settle);
  }

  /** After conflict `error` on `attempt`: drops exhausted calls, then sleeps as the policy says. */
  private async backoff(error: Error, attempt: number): Promise<void> {
    this.expire();
    const head = this.live.values().next().value;
    if (head === undefined) return;
    const raw = head.retry.policy.delay({
      attempt,
      previousDelayMs: head.previousDelayMs,
      random: head.retry.random,
    });
    const delay = Number.isFinite(raw) && raw > 0 ? raw : 0;
    const conflict = error as CasConflictError;
    this.observer?.backedOff(delay);
    for (const w of this.live) {
      w.previousDelayMs = delay;
      w.onConflict?.(attempt, conflict.kind, delay);
    }
    const now = this.now();
    const untilDeadline = Math.min(
      ...[...this.live].map((w) => w.started + w.retry.deadlineMs - now),
    );
    this.stop ??= new AbortController();
    await abortableSleep(Math.min(delay, untilDeadline), this.stop.signal).catch(() => undefined);
    this.expire();
  }

  /** Rejects the calls whose attempts or time ran out. */
  private expire(): void {
    const now = this.now();
    for (const w of [...this.live]) {
      if (w.attempts >= w.retry.maxAttempts || now - w.started >= w.retry.deadlineMs) {
        this.settle(w, () => w.reject(this.finalError(w, undefined)));
      }
    }
  }

  private finalError(w: Waiter<T>, thrown: unknown): unknown {
    if (thrown !== undefined && !isCasConflictError(thrown)) return thrown;
    const reason = w.attempts >= w.retry.maxAttempts ? 'attempts' : 'deadline';
    return new RetryExhaustedError(this.io.key, w.attempts, this.now() - w.started, reason, {
      cause: thrown ?? new CasConflictError(this.io.key, 'cas', w.attempts),
    });
  }

  private settle(w: Waiter<T>, action: () => void): void {
    if (!this.live.delete(w)) return;
    action();
    if (this.live.size === 0) this.stop?.abort(STOPPED);
  }
}
