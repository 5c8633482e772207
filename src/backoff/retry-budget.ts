import type { Clock } from '../clock/index.js';
import { InvalidArgumentError } from '../errors/index.js';

/**
 * What every retrying loop in a client asks before it retries: `update()`'s
 * conflicts, lock waits, `getOrCompute` waits. One gate per client.
 * @internal
 */
export interface RetryGate {
  /** Records a call's first attempt (not a retry). */
  recordRequest(): void;
  /** Asks to retry once; false means the budget is spent: fail fast. */
  tryRetry(): boolean;
}

/** A gate that always allows: the client's gate when `retryBudget` is off. @internal */
export const unlimitedRetries: RetryGate = Object.freeze({
  recordRequest(): void {},
  tryRetry: (): boolean => true,
});

/**
 * The `retryBudget` client option: retries allowed across all calls of one
 * client, as a share of recent first attempts plus a floor per second, over a
 * sliding window (Finagle's RetryBudget; gRPC's retry throttling and the AWS
 * SDKs' retry quota have the same aim). Under a conflict storm every caller
 * retrying up to `maxAttempts` multiplies the load on the hot node exactly
 * when it is weakest; a budget caps retries at, by default, 20% of recent
 * calls plus 10 per second, and a call that would exceed it fails fast with
 * {@link RetryBudgetExhaustedError}.
 */
export interface RetryBudgetOptions {
  /** Retries allowed per first attempt in the window. Default: 0.2. */
  readonly ratio?: number;
  /** Retries allowed per second whatever the traffic (the floor). Default: 10. */
  readonly minPerSecond?: number;
  /** The sliding window, in ms. Default: 10,000. */
  readonly windowMs?: number;
}

/** The defaults of {@link RetryBudgetOptions}. */
export const DEFAULT_RETRY_BUDGET: Required<RetryBudgetOptions> = Object.freeze({
  ratio: 0.2,
  minPerSecond: 10,
  windowMs: 10_000,
});

/** Slots the window is cut into: it slides one slot at a time. */
const SLOTS = 10;

/**
 * A sliding-window retry budget: counts first attempts and retries in
 * {@link SLOTS} slots of `windowMs / SLOTS`; a retry is allowed while the
 * window's retries stay within `minPerSecond × window + ratio × requests`.
 * O(1) per call (one clock read).
 * @internal
 */
export class RetryBudget implements RetryGate {
  private readonly requests = new Float64Array(SLOTS);
  private readonly retries = new Float64Array(SLOTS);
  private requestSum = 0;
  private retrySum = 0;
  private slot = 0;
  /** The number of the slot-sized period `slot` holds. */
  private period: number;
  private readonly slotMs: number;
  private readonly floor: number;
  private readonly ratio: number;

  /**
   * @param options - resolved options (see {@link resolveRetryBudget})
   * @param clock - the client's clock
   */
  constructor(
    options: Required<RetryBudgetOptions>,
    private readonly clock: Clock,
  ) {
    this.slotMs = options.windowMs / SLOTS;
    this.floor = (options.minPerSecond * options.windowMs) / 1000;
    this.ratio = options.ratio;
    this.period = Math.floor(clock.now() / this.slotMs);
  }

  recordRequest(): void {
    this.advance();
    this.requests[this.slot]! += 1;
    this.requestSum += 1;
  }

  tryRetry(): boolean {
    this.advance();
    if (this.retrySum + 1 > this.floor + this.ratio * this.requestSum) return false;
    this.retries[this.slot]! += 1;
    this.retrySum += 1;
    return true;
  }

  /** Retries the budget would allow now. */
  available(): number {
    this.advance();
    return Math.max(0, Math.floor(this.floor + this.ratio * this.requestSum - this.retrySum));
  }

  /** Moves the window to now, emptying the slots that left it. */
  private advance(): void {
    const period = Math.floor(this.clock.now() / this.slotMs);
    if (period === this.period) return;
    const steps = Math.min(SLOTS, period - this.period);
    for (let i = 0; i < steps; i++) {
      this.slot = (this.slot + 1) % SLOTS;
      this.requestSum -= this.requests[this.slot]!;
      this.retrySum -= this.retries[this.slot]!;
      this.requests[this.slot] = 0;
      this.retries[this.slot] = 0;
    }
    this.period = period;
  }
}

/**
 * Checks the `retryBudget` option: `false`/`undefined` → off, `true` → the
 * defaults, an object → its fields over the defaults.
 * @throws {@link InvalidArgumentError} naming the bad field
 * @internal
 */
export function resolveRetryBudget(
  value: boolean | RetryBudgetOptions | undefined,
): Required<RetryBudgetOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_RETRY_BUDGET;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `retryBudget must be true, false or { ratio, minPerSecond, windowMs }, got ${String(value)}`,
    );
  }
  for (const name of Object.keys(value)) {
    if (!(name in DEFAULT_RETRY_BUDGET)) {
      throw new InvalidArgumentError(
        `retryBudget: unknown option ${JSON.stringify(name)} (known: ratio, minPerSecond, windowMs)`,
      );
    }
  }
  const field = (name: keyof RetryBudgetOptions, min: number, exclusive: boolean): number => {
    const v = value[name] ?? DEFAULT_RETRY_BUDGET[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || (exclusive ? v <= min : v < min)) {
      throw new InvalidArgumentError(
        `retryBudget.${name} must be a finite number ${exclusive ? '>' : '>='} ${min}, got ${String(v)}`,
      );
    }
    return v;
  };
  return Object.freeze({
    ratio: field('ratio', 0, false),
    minPerSecond: field('minPerSecond', 0, false),
    windowMs: field('windowMs', 0, true),
  });
}
