import type { RetryGate } from '../backoff/index.js';
import { sleep, type Clock } from '../clock/index.js';
import { CodecError, LeaseTimeoutError, RetryBudgetExhaustedError } from '../errors/index.js';
import type { ResolvedComputeOptions } from './compute-options.js';
import type { ComputeFn, ComputeReason, ComputeResult } from './compute-result.js';
import type { Lease, LeaseIO, StoredValue } from './lease.js';

/** What a flight tells telemetry. */
export interface FlightObserver {
  /** This client took a key's lease. */
  leaseWon(): void;
  /** This client waited once for another's lease (one read and one backoff delay). */
  leaseWaited(): void;
  /** A compute (or the write of its value) threw and its lease was given up. */
  leaseReleased(): void;
  /** A compute ran for `ms`. */
  computed(ms: number): void;
}

/** What one key's flight works with. */
export interface FlightSetup<T> {
  /** The key as the caller wrote it. */
  readonly key: string;
  /** The key's lease operations. */
  readonly leases: LeaseIO;
  /** The compute of the call that started the flight. */
  readonly compute: ComputeFn<T>;
  /** Encodes and size-checks a computed value. */
  readonly encode: (value: T) => Buffer;
  /** The codec's flags. */
  readonly flags: number;
  /** Decodes stored bytes (checking their flags). */
  readonly decode: (stored: StoredValue) => T;
  /** The options of the call that started the flight. */
  readonly options: ResolvedComputeOptions;
  /** Random source for the backoff policy. */
  readonly random: () => number;
}

/** A flight's result, before each caller's `shared` is added. */
type Outcome<T> =
  ComputeResult<T> extends infer R ? (R extends unknown ? Omit<R, 'shared'> : never) : never;

/**
 * One key's `getOrCompute()` in this client, shared by every concurrent call
 * for it: one read loop, one lease, one compute. The loop: read → a hit
 * returns; a lease won computes and writes under it; a lease held by another
 * returns the stale value when allowed, otherwise waits (the retry budget
 * asked, the policy's delay, a sleep) and reads again, up to `waitMs`.
 *
 * Callers join with their own signal: one that aborts leaves (rejects with
 * its reason) without stopping the others; when every caller has left, the
 * flight's own signal aborts, which ends a wait and tells the compute.
 */
export class Flight<T> {
  /** The shared result; never rejects unhandled (see the constructor). */
  readonly done: Promise<Outcome<T>>;
  private readonly controller = new AbortController();
  private callers = 0;
  /** Rejects the callers still waiting when the client closes and a compute outlasts the drain. */
  private readonly stopped: Promise<never>;
  private stop: (reason: Error) => void = () => {};
  /** When this flight's compute outlives its lease (clock ms), once it computes. */
  private leaseEndsAt = Infinity;

  /**
   * @param setup - the key, its lease operations and the first call's compute and options
   * @param clock - the one clock for waits
   * @param gate - the client's retry budget, asked before each wait
   * @param observer - told about leases and computes
   */
  constructor(
    private readonly setup: FlightSetup<T>,
    private readonly clock: Clock,
    private readonly gate: RetryGate,
    private readonly observer: FlightObserver | undefined,
  ) {
    this.done = this.run();
    // Callers that left have no handler on it; the error reached those still there.
    this.done.catch(() => {});
    this.stopped = new Promise<never>((_, reject) => {
      this.stop = reject;
    });
    this.stopped.catch(() => {});
  }

  /** Joins the flight: resolves with its result, or rejects when `signal` aborts first. */
  join(signal: AbortSignal | undefined, shared: boolean): Promise<ComputeResult<T>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.callers++;
    const result = Promise.race([this.done, this.stopped]).then(
      (r) => ({ ...r, shared }) as ComputeResult<T>,
    );
    if (signal === undefined) return result;
    return new Promise<ComputeResult<T>>((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason);
        if (--this.callers === 0) this.controller.abort(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /** Rejects every caller still waiting with `reason`; a compute that never settles is left behind. */
  fail(reason: Error): void {
    this.stop(reason);
  }

  /**
   * True once its compute has run past `leaseMs`: the lease has ended for
   * the other processes, which take it over, so a new call reads again
   * instead of joining a compute that may never finish.
   */
  overdue(now: number): boolean {
    return now >= this.leaseEndsAt;
  }

  /** True once the flight was told to stop (every caller left, or the client closed): join another. */
  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  /** Stops waiting: the flight rejects with `reason` at its next read (a compute runs on). */
  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  private async run(): Promise<Outcome<T>> {
    const { leases, options } = this.setup;
    const signal = this.controller.signal;
    this.gate.recordRequest();
    const started = this.clock.now();
    const deadline = started + options.waitMs;
    let waits = 0;
    let delay = 0;
    for (;;) {
      signal.throwIfAborted();
      // A lease won by this read may start as soon as the read is sent: its end counts from here.
      const readAt = this.clock.now();
      const view = await leases.read();
      if (signal.aborted) {
        // Every caller left while the read was on its way: compute nothing for nobody, and give
        // a lease it won back at once, or the other callers wait out leaseMs.
        if (view.kind === 'won') await view.lease.release();
        signal.throwIfAborted();
      }
      const waitedMs = waits === 0 ? 0 : this.clock.now() - started;
      if (view.kind === 'hit') {
        return { outcome: 'hit', value: this.setup.decode(view.stored), waitedMs };
      }
      if (view.kind === 'won') {
        this.observer?.leaseWon();
        return this.computeUnder(view.lease, view.reason, view.previous, waitedMs, readAt);
      }
      if (view.kind === 'none') {
        return this.computeUnder(undefined, 'miss', undefined, waitedMs, this.clock.now());
      }
      if (view.previous !== undefined && options.staleSeconds > 0) {
        // Another caller recomputes; the old value serves meanwhile.
        const value = this.setup.decode(view.previous);
        return {
          outcome: 'stale',
          value,
          reason: view.reason as 'invalidated' | 'expiring',
          waitedMs: 0,
        };
      }
      const now = this.clock.now();
      if (now >= deadline) {
        if (options.onWaitTimeout === 'fail') {
          throw new LeaseTimeoutError(this.setup.key, now - started, waits + 1);
        }
        return this.computeUnder(undefined, 'wait_timeout', view.previous, now - started, now);
      }
      if (!this.gate.tryRetry()) {
        throw new RetryBudgetExhaustedError('getOrCompute', this.setup.key, waits + 1);
      }
      waits++;
      delay = options.policy.delay({
        attempt: waits,
        previousDelayMs: delay,
        random: this.setup.random,
      });
      this.observer?.leaseWaited();
      await sleep(this.clock, Math.min(delay, deadline - now), signal);
    }
  }

  /**
   * Runs the compute and writes its value: under `lease` when there is one
   * (a throw gives the lease up before the callers hear of it), otherwise
   * only if the key is missing. The flight is overdue `leaseMs` after
   * `leaseFrom`: when the read that won the lease was sent (other processes
   * may take it over from then on), or when the compute starts.
   */
  private async computeUnder(
    lease: Lease | undefined,
    reason: ComputeReason,
    previous: StoredValue | undefined,
    waitedMs: number,
    leaseFrom: number,
  ): Promise<Outcome<T>> {
    const { setup } = this;
    let bytes: Buffer;
    let value: T;
    try {
      const before = this.decodePrevious(previous);
      this.leaseEndsAt = leaseFrom + setup.options.leaseMs;
      const t0 = this.clock.now();
      value = await setup.compute({
        key: setup.key,
        reason,
        previous: before,
        signal: this.controller.signal,
      });
      this.observer?.computed(this.clock.now() - t0);
      bytes = setup.encode(value);
      if (bytes.length === 0 && setup.flags === 0) {
        // On meta that is memcached's own lease placeholder: readers would wait on it.
        throw new CodecError(
          setup.key,
          'getOrCompute cannot store an empty value with flags 0 (memcached marks a key being ' +
            'computed that way); use a codec with other flags',
        );
      }
    } catch (err) {
      if (lease !== undefined) {
        this.observer?.leaseReleased();
        await lease.release();
      }
      throw err;
    }
    let stored: boolean;
    try {
      stored = lease
        ? await lease.write(bytes, setup.flags)
        : await setup.leases.add(bytes, setup.flags);
    } catch (err) {
      // A write that failed (refused as too large, the node gone) leaves the lease held: free it,
      // or every other caller waits out leaseMs. The release is CAS-guarded, so a write that did
      // land is not undone.
      if (lease !== undefined) {
        this.observer?.leaseReleased();
        await lease.release();
      }
      throw err;
    }
    return { outcome: 'computed', value, reason, stored, waitedMs };
  }

  /** The value being replaced, for the compute's context (undefined when it does not decode). */
  private decodePrevious(previous: StoredValue | undefined): T | undefined {
    if (previous === undefined) return undefined;
    try {
      return this.setup.decode(previous);
    } catch {
      return undefined;
    }
  }
}
