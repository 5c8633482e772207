import { checkCap, checkMs } from './policy.js';

/** Options shared by the jittered policies. */
export interface JitterOptions {
  /**
   * The base delay, in ms.
   * @defaultValue 2
   */
  readonly baseMs?: number;
  /**
   * The largest delay, in ms.
   * @defaultValue 250
   */
  readonly capMs?: number;
}

/** Defaults of {@link JitterOptions}. */
export const DEFAULT_JITTER_OPTIONS: Readonly<Required<JitterOptions>> = Object.freeze({
  baseMs: 2,
  capMs: 250,
});

/**
 * Merges and checks jitter options for the named policy.
 * @throws TypeError naming the policy and option
 * @internal
 */
export function resolveJitter(
  policy: string,
  options: JitterOptions,
): { baseMs: number; capMs: number } {
  const baseMs = checkMs(policy, 'baseMs', options.baseMs ?? DEFAULT_JITTER_OPTIONS.baseMs);
  const capMs = checkMs(policy, 'capMs', options.capMs ?? DEFAULT_JITTER_OPTIONS.capMs);
  checkCap(policy, baseMs, capMs);
  return { baseMs, capMs };
}
