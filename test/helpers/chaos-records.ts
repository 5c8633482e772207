/**
 * What a chaos worker is asked to do and what it reports: the JSON that
 * passes between chaos-check.ts and chaos-worker.ts.
 */

/** What one worker process is asked to do (passed as JSON on its command line). */
export interface ChaosWorkerConfig {
  readonly workerId: number;
  /** The proxies' `host:port`. */
  readonly servers: readonly string[];
  /** `createClient`'s `protocol`, passed only when set. */
  readonly protocol?: string;
  readonly durationMs: number;
  /** At most this many calls in all. */
  readonly maxCalls: number;
  /** Concurrent call loops in the process. */
  readonly concurrency: number;
  /** List keys in use at a time; see `epochMs`. */
  readonly listKeys: number;
  /** Every `epochMs` (from `startedAt`, wall clock), appends move to fresh list keys, so lists stay small. */
  readonly epochMs: number;
  readonly startedAt: number;
  readonly counterKeys: number;
  /** Share of calls that are `update()` appends; the rest are `incr()`. */
  readonly updateShare: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly deadlineMs: number;
  readonly retryAfterMs: number;
  /** A call still unsettled after this long is recorded as hung and left behind. */
  readonly hangMs: number;
  readonly seed: number;
}

/** What a worker was told about its appends to one list key. */
export interface ListRecord {
  acked: string[];
  indeterminate: string[];
  /** `[id, error code]` of calls that failed definitely. */
  failed: Array<[id: string, code: string]>;
  hung: string[];
}

/** What a worker was told about its increments of one counter. */
export interface CounterRecord {
  acked: number;
  indeterminate: number;
  failed: number;
  hung: number;
}

/** The JSON line a worker prints. */
export interface ChaosWorkerResult {
  readonly workerId: number;
  readonly lists: Record<string, ListRecord>;
  readonly counters: Record<string, CounterRecord>;
  /** Definite failures by error code (an unexpected error by its name and message). */
  readonly failures: Record<string, number>;
  /** The longest settled call of each kind: its duration in ms and how it ended. */
  readonly longest: Record<'update' | 'incr', { ms: number; outcome: string }>;
  /** The worker's longest event-loop stall, in ms. */
  readonly eventLoopDelayMaxMs: number;
  /** Calls that settled after being recorded as hung. */
  readonly lateSettled: number;
  /** `client.close()` did not settle within 3 s. */
  readonly closeHung: boolean;
}
