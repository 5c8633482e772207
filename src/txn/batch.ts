import pRetry, { AbortError } from 'p-retry';
import type { RetryGate } from '../backoff/index.js';
import { sleep, Stage, type Clock } from '../clock/index.js';
import type { CasToken } from '../cluster/index.js';
import {
  CasConflictError,
  ClientClosedError,
  isCasConflictError,
  isIndeterminateWriteError,
  RetryBudgetExhaustedError,
  RetryExhaustedError,
} from '../errors/index.js';
import { isAbort, isRemove, type Abort, type Remove, type UpdateResult } from './update-result.js';
import type { UpdateCall } from './updater.js';
import type { Snapshot, UpdateIO, UpdateSink, WriteOutcome } from './key-io.js';

/** Told what a batch does, for telemetry. */
export interface BatchObserver {
  /** A batch of `size` calls starts. */
  started(size: number): void;
  /** The batch backs off `delayMs` after a conflict. */
  backedOff(delayMs: number): void;
}

/**
 * How long one call's asynchronous `fn` may hold the batch before calls that
 * arrive for the same key stop waiting for it and form a batch of their own.
 */
export const STALL_MS = 250;

/** Carries any non-conflict failure through p-retry unchanged (even a non-Error throw). */
class Passthrough extends Error {
  constructor(readonly thrown: unknown) {
    super('memcas passthrough');
  }
}

const NEVER = new AbortController().signal;
/** The call settled while its `fn` ran: what `fn` returns is dropped. */
const DROPPED = Symbol('dropped');

type Next<T> = T | Remove | Abort<unknown>;

/**
 * Runs the read-modify-write loop for a batch of `update()` calls on one key:
 * one read, each function applied in arrival order to the previous one's
 * result, one write; on a conflict, back off and do it all again. A batch of
 * one is a plain `update()`.
 *
 * The loop: attempt → on a conflict, {@link Batch.backoff} (budget check, the
 * policy's delay, a sleep that settling calls can cut short, budget check) →
 * attempt… The first attempt runs directly and p-retry runs the retries; the
 * budget (attempts and deadline) is decided only in `expire()`, on the one
 * injected clock. Only CAS conflicts are retried; every other failure passes
 * through unchanged.
 *
 * A call's deadline and signal take effect at once while `fn` runs (its own
 * or another call's in the batch) or while it sleeps: it rejects, and nothing
 * its `fn` computed is written. A read in flight is not cut short (it answers
 * within `timeoutMs`, then the deadline is checked); once its write is sent, a
 * call settles with the write's answer.
 *
 * What an attempt decided for each call is kept on the call itself
 * ({@link UpdateCall.step}), not in per-attempt arrays and closures: the
 * uncontended `update()` is a batch of one, and it is the path that must cost
 * little more than a `gets` and a `cas`.
 */
export class Batch<T> implements UpdateSink<T> {
  /** The calls, in arrival order; those not yet settled are the live ones. */
  private readonly calls: ReadonlyArray<UpdateCall<T>>;
  /** Made when a backoff sleep needs waking: most batches never sleep. */
  private wake: AbortController | undefined;
  /** Removes the abort listeners (made only when a call has a signal). */
  private cleanups: Array<() => void> | undefined;
  /** The call whose asynchronous `fn` is being awaited, and how to stop waiting. */
  private waiting: { readonly call: UpdateCall<T>; readonly release: () => void } | undefined;
  /** Whether a write is on the wire (its calls are marked {@link UpdateCall.writing}). */
  private writing = false;
  private closing = false;
  /** The last conflict, the cause of a {@link RetryExhaustedError}. */
  private lastConflict: CasConflictError | undefined;
  /** The attempt whose read or write is outstanding (one at a time). */
  private attemptNo = 1;
  /** Who started it (undefined: the first attempt, see {@link Batch.afterFirst}). */
  private attemptDone: AttemptDone | undefined;
  // Where the attempt's functions have taken the value read so far (fields,
  // not an object per attempt: an uncontended update() is a batch of one).
  /** Whether the key exists after the changes so far. */
  private present = false;
  /** The value after the changes so far. */
  private current: T | undefined;
  /** Its encoding (undefined: remove, or nothing changed). */
  private bytes: Buffer | undefined;
  /** How many calls' changes are applied. */
  private applied = 0;
  /** The clock when the deadlines were last looked at. */
  private now = 0;
  /** The attempt's read, once it answered. */
  private snapshot: Snapshot<T> | undefined;

  // The two steps of an attempt between its read and its write, each run for
  // every batch ready for it at once (see Stage): the functions on a value
  // read, and the write of what they changed.
  private static readonly applying = new Stage<Batch<unknown>>((batch) => batch.applyRead());
  private static readonly sending = new Stage<Batch<unknown>>((batch) => batch.writeApplied());

  /**
   * @param io - the key's operations
   * @param calls - the calls, in arrival order
   * @param clock - the one clock for deadlines and sleeps
   * @param gate - the client's retry budget, asked before each retry (none: unlimited)
   * @param observer - told what the batch does
   * @param onStall - called once if an asynchronous `fn` holds the batch longer than {@link STALL_MS}
   * @param onDone - called once every call has settled
   */
  constructor(
    private readonly io: UpdateIO<T>,
    calls: ReadonlyArray<UpdateCall<T>>,
    private readonly clock: Clock,
    private readonly gate: RetryGate | undefined = undefined,
    private readonly observer?: BatchObserver,
    private onStall?: () => void,
    private readonly onDone?: () => void,
  ) {
    this.calls = calls;
    for (const call of calls) {
      const signal = call.signal;
      if (signal === undefined || call.settled) continue;
      if (signal.aborted) {
        call.reject(signal.reason);
        continue;
      }
      const onAbort = (): void => this.reject(call, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      (this.cleanups ??= []).push(() => signal.removeEventListener('abort', onAbort));
    }
    this.run();
  }

  /**
   * Runs until every call in the batch has settled, then calls `onDone`.
   * Most updates win their first attempt, so it runs directly, and p-retry
   * (whose own setup cost a quarter of an uncontended update) only runs the
   * retries.
   */
  private run(): void {
    // Every call may have settled already (signals aborted before it began).
    const size = this.liveCount();
    if (size === 0) {
      this.onDone?.();
      return;
    }
    try {
      this.observer?.started(size);
    } catch {
      // Telemetry that throws must not break the batch.
    }
    this.attempt(1, undefined);
  }

  /** The first attempt ended: the batch is over, or it backs off and retries. */
  private afterFirst(failure: Error | undefined): void {
    if (failure === undefined) this.cleanup();
    else void this.retryAfter(failure);
  }

  /** After a first attempt that failed: back off and retry (conflicts only), or fail. */
  private async retryAfter(err: unknown): Promise<void> {
    try {
      if (!isCasConflictError(err) || this.first() === undefined) throw err;
      await this.backoff(err, 1);
      if (this.first() === undefined) return;
      await pRetry((n) => this.retry(n + 1), {
        // The budget is expire()'s alone; p-retry only repeats.
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: (context) => this.backoff(context.error, context.attemptNumber + 1),
        shouldRetry: ({ error }) => isCasConflictError(error) && this.first() !== undefined,
      });
    } catch (failed) {
      const thrown = failed instanceof Passthrough ? failed.thrown : failed;
      for (const call of this.calls) {
        if (!call.settled) this.reject(call, this.finalError(call, thrown));
      }
    } finally {
      this.cleanup();
    }
  }

  /** The batch is over: removes the abort listeners, and says so. */
  private cleanup(): void {
    if (this.cleanups !== undefined) for (const cleanup of this.cleanups) cleanup();
    this.onDone?.();
  }

  /**
   * The client is closing: a call that would back off and retry rejects with
   * {@link ClientClosedError} instead; an attempt under way finishes.
   */
  close(): void {
    this.closing = true;
    this.wake?.abort();
  }

  /** Gives up on every call still waiting (the client's drain timeout passed). */
  abandon(error: Error): void {
    for (const call of this.calls) this.reject(call, error);
  }

  /** One attempt under p-retry: anything but a conflict stops the loop, unchanged. */
  private retry(attempt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.attempt(attempt, (failure) => {
        if (failure === undefined) resolve();
        else reject(failure instanceof Passthrough ? new AbortError(failure) : failure);
      });
    });
  }

  /**
   * One attempt: read, apply every live call's `fn`, write; at once again
   * (the same attempt) if a call left between its `fn` and the write. It ends
   * by calling `done` (undefined: the first attempt's {@link Batch.afterFirst})
   * once, with nothing when it is over and a conflict or a failure otherwise.
   *
   * The io answers the batch itself ({@link UpdateSink}), not an async
   * function or promises chained here: the async attempt and the promise
   * chained to it cost about a tenth of an uncontended update()'s throughput
   * at 256 in flight.
   */
  private attempt(attempt: number, done: AttemptDone | undefined): void {
    if (this.first() === undefined) return this.ended(done, undefined);
    this.attemptNo = attempt;
    this.attemptDone = done;
    try {
      this.io.read(this);
    } catch (err) {
      this.ended(done, new Passthrough(err));
    }
  }

  /**
   * The attempt's read is in: every live call's `fn` runs on it (a microtask
   * later, with the other batches whose read answered meanwhile), then the
   * write. @internal
   */
  readAnswered(snapshot: Snapshot<T>): void {
    this.snapshot = snapshot;
    Batch.applying.add(this as Batch<unknown>);
  }

  /** Runs the live calls' functions on the value read, then hands the batch to the write stage. */
  private applyRead(): void {
    const snapshot = this.snapshot as Snapshot<T>;
    let applying: Promise<void> | undefined;
    try {
      this.begin(snapshot);
      applying = this.applyAll(snapshot);
    } catch (err) {
      return this.ended(this.attemptDone, failureOf(err));
    }
    if (applying === undefined) return Batch.sending.add(this as Batch<unknown>);
    const done = this.attemptDone;
    applying.then(
      () => Batch.sending.add(this as Batch<unknown>),
      (err: unknown) => this.ended(done, failureOf(err)),
    );
  }

  /** The attempt's write is in: the calls it carried settle. @internal */
  writeAnswered(outcome: WriteOutcome): void {
    this.written(outcome, undefined, this.attemptNo, this.attemptDone);
  }

  /** The attempt's read or write failed. @internal */
  failed(error: unknown): void {
    if (this.writing) this.written(undefined, error, this.attemptNo, this.attemptDone);
    else this.ended(this.attemptDone, new Passthrough(error));
  }

  /** Every `fn` has run: writes the changes, unless a call left meanwhile (then the same attempt again). */
  private writeApplied(): void {
    const snapshot = this.snapshot as Snapshot<T>;
    const attempt = this.attemptNo;
    const done = this.attemptDone;
    if (this.applied === 0) return this.ended(done, undefined);
    // A call whose time ran out (or that was aborted) after its fn ran must
    // not be written: the others are applied again to a fresh read.
    // Time passes in fn, synchronous ones too: deadlines are looked at once more before the write.
    let left = false;
    try {
      const now = this.clock.now();
      for (const call of this.calls) {
        this.timeUp(call, now);
        if (call.settled && isApplied(call.step)) left = true;
      }
    } catch (err) {
      return this.ended(done, failureOf(err));
    }
    if (left) {
      // Not a new attempt: the same one, without the calls that left.
      for (const call of this.calls) if (call.step !== undefined) call.attempts--;
      return this.attempt(attempt, done);
    }
    this.writing = true;
    for (const call of this.calls) if (isApplied(call.step)) call.writing = true;
    try {
      this.io.write(snapshot, this.present ? this.bytes : undefined, this);
    } catch (err) {
      this.written(undefined, err, attempt, done);
    }
  }

  /** The write's answer (or failure) is in: the calls it carried settle, and the attempt ends. */
  private written(
    outcome: WriteOutcome | undefined,
    failure: unknown,
    attempt: number,
    done: AttemptDone | undefined,
  ): void {
    let error: Error | undefined;
    try {
      this.settleWritten(this.afterWrite(outcome, failure, attempt));
    } catch (err) {
      error = failureOf(err);
    }
    this.ended(done, error);
  }

  /** An attempt ended: tells whoever started it. */
  private ended(done: AttemptDone | undefined, failure: Error | undefined): void {
    if (done === undefined) this.afterFirst(failure);
    else done(failure);
  }

  /** Starts applying functions to a value read: steps cleared, deadlines looked at. */
  private begin(snapshot: Snapshot<T>): void {
    const now = this.clock.now();
    for (const call of this.calls) {
      call.step = undefined;
      call.deferred = undefined;
      this.timeUp(call, now);
    }
    this.present = snapshot.present;
    this.current = snapshot.value;
    this.bytes = undefined;
    this.applied = 0;
    this.now = now;
  }

  /** Applies the live calls' functions in order; a promise only once one of them returns one. */
  private applyAll(snapshot: Snapshot<T>): Promise<void> | undefined {
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as UpdateCall<T>;
      if (!this.starts(call)) continue;
      let out: Next<T> | Promise<Next<T> | typeof DROPPED>;
      try {
        out = this.apply(call, this.current);
      } catch (err) {
        this.decide(call, this.applied, undefined, err);
        continue;
      }
      if (isPromiseLike(out)) return this.applyRest(out, i, snapshot);
      this.take(call, out, snapshot);
    }
    return undefined;
  }

  /** {@link Batch.applyAll} from call `from` on, whose `fn` returned the promise `out`. */
  private async applyRest(
    out: Promise<Next<T> | typeof DROPPED>,
    from: number,
    snapshot: Snapshot<T>,
  ): Promise<void> {
    const calls = this.calls;
    let pending: Next<T> | Promise<Next<T> | typeof DROPPED> = out;
    for (let i = from; i < calls.length; i++) {
      const call = calls[i] as UpdateCall<T>;
      let next: Next<T> | typeof DROPPED;
      try {
        if (i !== from) {
          if (!this.starts(call)) continue;
          pending = this.apply(call, this.current);
        }
        if (isPromiseLike(pending)) {
          next = await pending;
          this.now = this.clock.now();
        } else {
          next = pending;
        }
      } catch (err) {
        this.decide(call, this.applied, undefined, err);
        continue;
      }
      this.take(call, next, snapshot);
    }
  }

  /** Whether a call's `fn` runs in this attempt (live, within its deadline); counts the attempt. */
  private starts(call: UpdateCall<T>): boolean {
    // A call whose time ran out while others' functions ran does not start its own.
    this.timeUp(call, this.now);
    if (call.settled) return false;
    call.attempts++;
    call.step = RAN;
    return true;
  }

  /** Takes what a call's `fn` returned: a new value, `remove`, or `abort`. */
  private take(call: UpdateCall<T>, next: Next<T> | typeof DROPPED, snapshot: Snapshot<T>): void {
    if (next === DROPPED || call.settled) return;
    if (isAbort(next)) {
      const cas = this.applied === 0 && this.present ? snapshot.token : undefined;
      const result: UpdateResult<T> = {
        outcome: 'aborted',
        value: this.current,
        cas,
        attempts: call.attempts,
        result: next.result,
      };
      this.decide(call, this.applied, result, undefined);
      return;
    }
    if (isRemove(next)) {
      call.step = REMOVED;
      this.applied++;
      this.present = false;
      this.current = undefined;
      this.bytes = undefined;
      return;
    }
    let encoded: Buffer;
    try {
      encoded = this.io.encode(next);
    } catch (err) {
      this.decide(call, this.applied, undefined, err);
      return;
    }
    call.step = this.present ? UPDATED : CREATED;
    call.stepValue = next;
    this.applied++;
    this.present = true;
    this.current = next;
    this.bytes = encoded;
  }

  /** The write landed (`written`: its token): every applied call resolves, deferred ones settle. */
  private settleWritten(written: CasToken | undefined): void {
    for (const call of this.calls) {
      const step = call.step;
      if (isApplied(step)) {
        // Written: it settles with the write, whatever came while it was on the wire.
        call.held = undefined;
        const attempts = call.attempts;
        const value = call.stepValue as T;
        call.stepValue = undefined;
        this.resolve(
          call,
          step === REMOVED
            ? { outcome: 'removed', value: undefined, cas: undefined, attempts }
            : { outcome: step, value, cas: written, attempts },
        );
      } else if (call.deferred !== undefined) {
        const deferred = call.deferred;
        call.deferred = undefined;
        this.settle(call, deferred);
      }
    }
  }

  /**
   * A call's own decision in this attempt (its `fn` threw, or it aborted):
   * final at once when nothing before it changed the value read, otherwise
   * kept until the write of those earlier changes lands.
   */
  private decide(
    call: UpdateCall<T>,
    applied: number,
    result: UpdateResult<T> | undefined,
    error: unknown,
  ): void {
    const settlement: Settlement<T> = result !== undefined ? { result } : { error, fromFn: true };
    if (applied === 0) this.settle(call, settlement);
    else call.deferred = settlement;
  }

  /** Runs a call's `fn`; an asynchronous one is awaited only while the call is live. */
  private apply(
    call: UpdateCall<T>,
    current: T | undefined,
  ): Next<T> | Promise<Next<T> | typeof DROPPED> {
    const out = call.fn(current, {
      key: this.io.key,
      attempt: call.attempts,
      signal: call.signal ?? NEVER,
    });
    if (!isPromiseLike(out)) return out;
    return new Promise<Next<T> | typeof DROPPED>((resolve, reject) => {
      let cancel: (() => void) | undefined;
      const done = (): boolean => {
        if (this.waiting?.call !== call) return false;
        cancel?.();
        this.waiting = undefined;
        return true;
      };
      this.waiting = { call, release: () => done() && resolve(DROPPED) };
      const started = this.clock.now();
      const arm = (): void => {
        // Every call in the batch keeps its own deadline while this one's fn runs.
        let earliest = Infinity;
        for (const c of this.calls) if (!c.settled) earliest = Math.min(earliest, c.deadline);
        const stallAt = this.onStall ? started + STALL_MS : Infinity;
        const at = Math.min(earliest, stallAt);
        if (at === Infinity) return;
        cancel = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
          cancel = undefined;
          this.expire(false);
          if (this.waiting?.call !== call) return; // released: its own deadline passed
          if (this.onStall && this.clock.now() >= stallAt) {
            // Later calls for this key stop queueing behind this one.
            const stalled = this.onStall;
            this.onStall = undefined;
            stalled();
          }
          arm();
        });
      };
      arm();
      out.then(
        (value) => done() && resolve(value),
        (err: unknown) => done() && reject(err),
      );
    });
  }

  /** The answer to an attempt's write: the new token, or a conflict or failure thrown. */
  private afterWrite(
    written: WriteOutcome | undefined,
    failure: unknown,
    attempt: number,
  ): CasToken | undefined {
    this.writing = false;
    for (const call of this.calls) call.writing = false;
    if (written?.kind === 'stored') return written.cas;
    const lost = failure !== undefined && isIndeterminateWriteError(failure);
    for (const call of this.calls) {
      if (!isApplied(call.step)) continue;
      if (lost) {
        // The write may have landed: only calls whose fn may safely run again go on.
        call.lostWrite = failure as Error;
        if (!call.idempotent) this.reject(call, failure);
      }
      // Not written: a call that was aborted or timed out meanwhile settles as it asked.
      const held = call.held;
      call.held = undefined;
      if (held !== undefined) this.settle(call, held);
    }
    if (failure !== undefined && !lost) throw new Passthrough(failure);
    if (lost) throw new CasConflictError(this.io.key, 'indeterminate', attempt, { cause: failure });
    throw new CasConflictError(this.io.key, (written as { kind: 'cas' }).kind, attempt);
  }

  /** After conflict `error` on `attempt`: drops exhausted calls, then sleeps as the policy says. */
  private async backoff(error: Error, attempt: number): Promise<void> {
    const conflict = error as CasConflictError;
    this.lastConflict = conflict;
    this.expire(true);
    const head = this.first();
    if (head === undefined) return;
    if (this.gate !== undefined && !this.gate.tryRetry()) {
      // The client's retry budget is spent: fail fast rather than add load to a contended node.
      for (const call of this.calls) {
        if (call.settled) continue;
        this.reject(
          call,
          new RetryBudgetExhaustedError('update', this.io.key, call.attempts, { cause: error }),
        );
      }
      return;
    }
    const raw = head.retry.policy.delay({
      attempt,
      previousDelayMs: head.previousDelayMs,
      random: head.retry.random,
    });
    const delay = Number.isFinite(raw) && raw > 0 ? raw : 0;
    try {
      this.observer?.backedOff(delay);
    } catch {
      // See run().
    }
    const now = this.clock.now();
    let untilDeadline = Infinity;
    for (const call of this.calls) {
      if (call.settled) continue;
      call.previousDelayMs = delay;
      call.onConflict(attempt, conflict.kind, delay);
      untilDeadline = Math.min(untilDeadline, call.deadline - now);
    }
    this.wake ??= new AbortController();
    if (!this.closing) await sleep(this.clock, Math.min(delay, untilDeadline), this.wake.signal);
    this.expire(true);
  }

  /** Rejects the calls whose time (and, after a conflict, attempts) ran out, or that closing stops. */
  private expire(afterConflict: boolean, now = this.clock.now()): void {
    for (const call of this.calls) {
      if (call.settled) continue;
      if (afterConflict && this.closing) {
        this.reject(
          call,
          new ClientClosedError(
            'update',
            `update of ${JSON.stringify(this.io.key)} lost a race and was not retried`,
          ),
        );
      } else if (now >= call.deadline) {
        this.timeUp(call, now);
      } else if (afterConflict && call.attempts >= call.retry.maxAttempts) {
        this.reject(call, this.finalError(call, undefined, 'attempts'));
      }
    }
  }

  private finalError(
    call: UpdateCall<T>,
    thrown: unknown,
    budget?: 'attempts' | 'deadline',
  ): unknown {
    if (thrown !== undefined && !isCasConflictError(thrown)) return thrown;
    const reason = budget ?? (call.attempts >= call.retry.maxAttempts ? 'attempts' : 'deadline');
    return new RetryExhaustedError(
      this.io.key,
      call.attempts,
      this.clock.now() - call.started,
      reason,
      { cause: thrown ?? this.lastConflict },
    );
  }

  /** Rejects `call` if it is live and its deadline has passed at `now`. */
  private timeUp(call: UpdateCall<T>, now: number): void {
    if (!call.settled && now >= call.deadline) {
      this.reject(call, this.finalError(call, undefined, 'deadline'));
    }
  }

  /** The first call not yet settled (undefined: the batch is done). */
  private first(): UpdateCall<T> | undefined {
    for (const call of this.calls) if (!call.settled) return call;
    return undefined;
  }

  private liveCount(): number {
    let n = 0;
    for (const call of this.calls) if (!call.settled) n++;
    return n;
  }

  private resolve(call: UpdateCall<T>, result: UpdateResult<T>): void {
    this.settle(call, { result });
  }

  private reject(call: UpdateCall<T>, error: unknown): void {
    this.settle(call, { error, fromFn: false });
  }

  private settle(call: UpdateCall<T>, how: Settlement<T>): void {
    if (call.settled) return;
    if (this.writing && call.writing) {
      // Its change is on the wire: it settles with the write's answer.
      call.held ??= how;
      return;
    }
    if (how.result !== undefined) call.resolve(how.result);
    else call.reject(how.error, how.fromFn);
    if (this.waiting?.call === call) this.waiting.release();
    if (this.wake !== undefined && this.first() === undefined) this.wake.abort();
  }
}

/** Ends an attempt: nothing when it is over, its conflict or failure otherwise. */
type AttemptDone = (failure: Error | undefined) => void;

/**
 * What an attempt ends with after catching `err`: a conflict or a failure
 * already wrapped as it is, anything else (even `undefined`) wrapped, so that
 * nothing caught reads as "the attempt is over".
 */
function failureOf(err: unknown): Error {
  return err instanceof Passthrough || isCasConflictError(err) ? err : new Passthrough(err);
}

/** How a call settles: with a result, or with an error (`fromFn`: the caller's own). */
export type Settlement<T> =
  | { readonly result: UpdateResult<T>; readonly error?: undefined; readonly fromFn?: undefined }
  | { readonly result?: undefined; readonly error: unknown; readonly fromFn: boolean };

/** What an attempt did with a call: its `fn` ran (and threw or aborted), or its change is applied. */
export type Step = typeof RAN | typeof REMOVED | typeof UPDATED | typeof CREATED;
const RAN = 'ran';
const REMOVED = 'removed';
const UPDATED = 'updated';
const CREATED = 'created';

function isApplied(step: Step | undefined): step is 'removed' | 'updated' | 'created' {
  return step !== undefined && step !== RAN;
}

function isPromiseLike<V>(value: V | PromiseLike<V>): value is PromiseLike<V> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
