import { InvalidArgumentError } from '../errors/index.js';
/** What a backoff policy is given to choose the next delay. */
export interface BackoffInput {
  /** The attempt that just failed: 1 for the first. */
  readonly attempt: number;
  /** The delay chosen before this one, in ms (0 before the first). */
  readonly previousDelayMs: number;
  /** A random number in [0, 1); injectable so tests are deterministic. */
  readonly random: () => number;
}

/**
 * How long to wait before retrying a CAS conflict. A policy is an immutable
 * value: `delay()` is a pure function of its input, so one policy object
 * serves any number of concurrent updates. Write your own by implementing it.
 *
 * @example
 * ```ts
 * const fibonacci: BackoffPolicy = {
 *   name: 'fibonacci',
 *   delay: ({ attempt }) => Math.min(200, fib(attempt)),
 * };
 * ```
 */
export interface BackoffPolicy {
  /** A short name for telemetry and reports. */
  readonly name: string;
  /** The delay in ms before the next attempt: finite and not negative. */
  delay(input: BackoffInput): number;
}

/**
 * Checks a non-negative finite number option of a policy.
 * @throws TypeError naming the option
 * @internal
 */
export function checkMs(policy: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      `${policy}: ${name} must be a finite number of ms >= 0, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Checks that a cap is not below the base.
 * @throws TypeError
 * @internal
 */
export function checkCap(policy: string, baseMs: number, capMs: number): void {
  if (capMs < baseMs)
    throw new InvalidArgumentError(`${policy}: capMs (${capMs}) must be >= baseMs (${baseMs})`);
}

/**
 * `base * factor^(attempt-1)`, capped, with the exponent bounded so the result
 * is never Infinity or NaN however many attempts have failed.
 * @internal
 */
export function cappedExponential(
  baseMs: number,
  factor: number,
  attempt: number,
  capMs: number,
): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 64);
  return Math.min(capMs, baseMs * factor ** exponent);
}
