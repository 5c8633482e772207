import type { Codec } from '../codec/index.js';
import { UpdateTracker, type Telemetry } from '../telemetry/index.js';
import {
  Batch,
  Combiner,
  resolveRetryOptions,
  type BatchObserver,
  type ResolvedRetryOptions,
  type RetryOptions,
  type UpdateFn,
  type UpdateIO,
  type UpdateOptions,
  type UpdateResult,
} from '../txn/index.js';
import { UpdateCall } from './update-call.js';

/**
 * Starts `update()` calls for one client: resolves per-call retry options
 * over the client's, tracks each call in telemetry, and hands it to the
 * combiner (same key, codec and TTL) or runs it as a batch of its own.
 */
export class Updater {
  private readonly retry: ResolvedRetryOptions;
  private readonly combiner: Combiner;
  private readonly batchObserver: BatchObserver;
  private readonly codecIds = new WeakMap<Codec<unknown>, number>();
  private nextCodecId = 1;

  /**
   * @param defaults - the client's retry options
   * @param combineByDefault - the client's `combineUpdates`
   * @param telemetry - the client's instruments
   * @param now - the monotonic clock
   */
  constructor(
    defaults: RetryOptions | undefined,
    private readonly combineByDefault: boolean,
    private readonly telemetry: Telemetry,
    private readonly now: () => number,
  ) {
    this.retry = resolveRetryOptions(defaults);
    this.batchObserver = {
      started: (size) => telemetry.metrics.batchSize.record(size),
      backedOff: (delayMs) => telemetry.metrics.backoffDelay.record(delayMs / 1000),
    };
    this.combiner = new Combiner(now, this.batchObserver);
  }

  /**
   * Checks the per-call options now, so a bad one rejects before any I/O.
   * @throws TypeError naming the bad option
   */
  retryOptions(options: RetryOptions): ResolvedRetryOptions {
    const overridden =
      options.policy !== undefined ||
      options.maxAttempts !== undefined ||
      options.deadlineMs !== undefined ||
      options.random !== undefined;
    return overridden ? resolveRetryOptions(options, this.retry) : this.retry;
  }

  /** Runs one `update()` on `io` (bound to the full key `fullKey`, `codec` and `ttl`). */
  run<T, R>(
    io: UpdateIO<T>,
    fullKey: string,
    codec: Codec<T>,
    ttl: number,
    fn: UpdateFn<T, R>,
    options: UpdateOptions<T>,
    retry: ResolvedRetryOptions,
  ): Promise<UpdateResult<T, R>> {
    return new Promise<UpdateResult<T, R>>((resolve, reject) => {
      const started = this.now();
      const call = new UpdateCall<T>(
        fn as UpdateFn<T>,
        retry,
        options.signal,
        options.idempotent ?? false,
        started,
        new UpdateTracker(this.telemetry, started, this.now),
        resolve as (r: UpdateResult<T>) => void,
        reject,
      );
      if (options.combine ?? this.combineByDefault) {
        this.combiner.submit(
          `${this.codecId(codec as Codec<unknown>)}|${ttl}|${fullKey}`,
          io,
          call,
        );
      } else {
        void new Batch(io, [call], this.now, this.batchObserver).run();
      }
    });
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
