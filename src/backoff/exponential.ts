import { InvalidArgumentError } from '../errors/index.js';
import { cappedExponential, checkCap, checkMs, type BackoffPolicy } from './policy.js';

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /**
   * The first delay, in ms.
   * @defaultValue 2
   */
  readonly baseMs?: number;
  /**
   * Growth per attempt.
   * @defaultValue 2
   */
  readonly factor?: number;
  /**
   * The largest delay, in ms.
   * @defaultValue 250
   */
  readonly capMs?: number;
}

/** Defaults of {@link ExponentialOptions}. */
export const DEFAULT_EXPONENTIAL_OPTIONS: Readonly<Required<ExponentialOptions>> = Object.freeze({
  baseMs: 2,
  factor: 2,
  capMs: 250,
});

/**
 * `min(cap, base * factor^(attempt-1))`, without jitter: writers that collided
 * once wait the same time and collide again. Prefer a jittered policy.
 */
export function exponential(options: ExponentialOptions = {}): BackoffPolicy {
  const baseMs = checkMs(
    'exponential',
    'baseMs',
    options.baseMs ?? DEFAULT_EXPONENTIAL_OPTIONS.baseMs,
  );
  const capMs = checkMs('exponential', 'capMs', options.capMs ?? DEFAULT_EXPONENTIAL_OPTIONS.capMs);
  const factor = options.factor ?? DEFAULT_EXPONENTIAL_OPTIONS.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    throw new InvalidArgumentError(
      `exponential: factor must be a finite number >= 1, got ${String(factor)}`,
    );
  }
  checkCap('exponential', baseMs, capMs);
  return Object.freeze({
    name: 'exponential',
    delay: ({ attempt }: { attempt: number }) => cappedExponential(baseMs, factor, attempt, capMs),
  });
}
