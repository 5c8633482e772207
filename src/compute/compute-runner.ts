import { unlimitedRetries, type RetryGate } from '../backoff/index.js';
import type { Clock } from '../clock/index.js';
import type { Codec } from '../codec/index.js';
import { ClientClosedError } from '../errors/index.js';
import type { ResolvedComputeOptions } from './compute-options.js';
import type { ComputeFn, ComputeResult } from './compute-result.js';
import { Flight, type FlightObserver } from './flight.js';
import type { LeaseIO, StoredValue } from './lease.js';

/** What the runner tells telemetry: a flight's events, and how each call ended. */
export interface ComputeObserver extends FlightObserver {
  /** A call ended: its outcome, or `'error'` (a throw, a timeout, an abort). */
  settled(outcome: 'hit' | 'computed' | 'stale' | 'error'): void;
}

/** One `getOrCompute()` call, its arguments checked. */
export interface ComputeCall<T> {
  /** The key as the caller wrote it. */
  readonly key: string;
  /** The full key (prefix included). */
  readonly fullKey: string;
  /** The codec. */
  readonly codec: Codec<T>;
  /** The key's lease operations. */
  readonly leases: LeaseIO;
  /** Produces the value. */
  readonly compute: ComputeFn<T>;
  /** Encodes and size-checks a value. */
  readonly encode: (value: T) => Buffer;
  /** Decodes a stored value, checking its flags are the codec's. */
  readonly decode: (stored: StoredValue) => T;
  /** The call's options, resolved. */
  readonly options: ResolvedComputeOptions;
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs the `getOrCompute()` calls of one client: concurrent calls for the
 * same key (and codec, and willingness to take a stale value) join one
 * {@link Flight}, so a process reads, waits and computes once per key
 * however many callers ask; the flight's lease makes that once across
 * processes. Later options of joined calls (their compute, TTL, lease) do not
 * apply: the first call's do.
 */
export class ComputeRunner {
  private readonly flights = new Map<string, Flight<unknown>>();
  private readonly codecIds = new WeakMap<Codec<unknown>, number>();
  private nextCodecId = 1;

  /**
   * @param clock - the one clock for waits
   * @param gate - the client's retry budget, asked before each wait
   * @param observer - told about leases, computes and outcomes
   * @param random - random source for the wait policy
   */
  constructor(
    private readonly clock: Clock,
    private readonly gate: RetryGate = unlimitedRetries,
    private readonly observer?: ComputeObserver,
    private readonly random: () => number = Math.random,
  ) {}

  /** Runs one call: joins the key's flight, or starts it. */
  run<T>(call: ComputeCall<T>): Promise<ComputeResult<T>> {
    // Nobody would wait for it: start no flight (no lease taken, no compute run for nobody).
    if (call.signal?.aborted) {
      this.observer?.settled('error');
      return Promise.reject(call.signal.reason);
    }
    const staleOk = call.options.staleSeconds > 0 ? 1 : 0;
    const group = `${this.codecId(call.codec as Codec<unknown>)}|${staleOk}|${call.fullKey}`;
    let flight = this.flights.get(group) as Flight<T> | undefined;
    // A flight every caller has left is stopping with the last one's abort reason: not this call's.
    // One whose compute outlived its lease may never finish: others have taken the lease over.
    if (flight?.abandoned || flight?.overdue(this.clock.now())) flight = undefined;
    const shared = flight !== undefined;
    if (flight === undefined) {
      const started = new Flight<T>(
        {
          key: call.key,
          leases: call.leases,
          compute: call.compute,
          encode: call.encode,
          flags: call.codec.flags,
          decode: call.decode,
          options: call.options,
          random: this.random,
        },
        this.clock,
        this.gate,
        this.observer,
      );
      this.flights.set(group, started as Flight<unknown>);
      const forget = (): void => {
        if (this.flights.get(group) === (started as Flight<unknown>)) this.flights.delete(group);
      };
      started.done.then(forget, forget);
      flight = started;
    }
    const result = flight.join(call.signal, shared);
    const observer = this.observer;
    if (observer) {
      result.then(
        (r) => observer.settled(r.outcome),
        () => observer.settled('error'),
      );
    }
    return result;
  }

  /**
   * Stops every wait: flights waiting for another's lease reject with
   * {@link ClientClosedError}; computes run on (their context's signal
   * aborts). Resolves when every flight has settled, or after `drainMs`,
   * when the callers of a compute still running reject with
   * {@link ClientClosedError} too.
   */
  async close(drainMs: number): Promise<void> {
    const flights = [...this.flights.values()];
    if (flights.length === 0) return;
    const error = new ClientClosedError('getOrCompute', 'the client was closed while it waited');
    for (const f of flights) f.abort(error);
    let cancel: (() => void) | undefined;
    await Promise.race([
      Promise.allSettled(flights.map((f) => f.done)),
      new Promise<void>((resolve) => {
        cancel = this.clock.setTimer(drainMs, resolve);
      }),
    ]);
    cancel?.();
    // A compute that ignores its signal must not leave its callers waiting for ever.
    for (const f of flights) f.fail(error);
  }

  private codecId(codec: Codec<unknown>): number {
    let id = this.codecIds.get(codec);
    if (id === undefined) {
      id = this.nextCodecId++;
      this.codecIds.set(codec, id);
    }
    return id;
  }
}
