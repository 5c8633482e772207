import { checkCap, checkMs, type BackoffPolicy } from './policy.js';

/** Options of {@link linear}. */
export interface LinearOptions {
  /**
   * The first delay, in ms.
   * @defaultValue 5
   */
  readonly baseMs?: number;
  /**
   * Added for each further attempt, in ms.
   * @defaultValue 5
   */
  readonly stepMs?: number;
  /**
   * The largest delay, in ms.
   * @defaultValue 250
   */
  readonly capMs?: number;
}

/** Defaults of {@link LinearOptions}. */
export const DEFAULT_LINEAR_OPTIONS: Readonly<Required<LinearOptions>> = Object.freeze({
  baseMs: 5,
  stepMs: 5,
  capMs: 250,
});

/** `min(cap, base + step * (attempt - 1))`. */
export function linear(options: LinearOptions = {}): BackoffPolicy {
  const baseMs = checkMs('linear', 'baseMs', options.baseMs ?? DEFAULT_LINEAR_OPTIONS.baseMs);
  const stepMs = checkMs('linear', 'stepMs', options.stepMs ?? DEFAULT_LINEAR_OPTIONS.stepMs);
  const capMs = checkMs('linear', 'capMs', options.capMs ?? DEFAULT_LINEAR_OPTIONS.capMs);
  checkCap('linear', baseMs, capMs);
  return Object.freeze({
    name: 'linear',
    delay: ({ attempt }: { attempt: number }) =>
      Math.min(capMs, baseMs + stepMs * Math.max(0, attempt - 1)),
  });
}
