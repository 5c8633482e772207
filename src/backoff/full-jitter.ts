import { DEFAULT_JITTER_OPTIONS, type JitterOptions } from './jitter-options.js';
import { cappedExponential, checkCap, checkMs, type BackoffPolicy } from './policy.js';

/**
 * "Full jitter": `random(0, min(cap, base * 2^(attempt-1)))`. Spreads
 * colliding writers widely; the fewest total calls in AWS's "Exponential
 * Backoff And Jitter" analysis.
 */
export function fullJitter(options: JitterOptions = {}): BackoffPolicy {
  const baseMs = checkMs('fullJitter', 'baseMs', options.baseMs ?? DEFAULT_JITTER_OPTIONS.baseMs);
  const capMs = checkMs('fullJitter', 'capMs', options.capMs ?? DEFAULT_JITTER_OPTIONS.capMs);
  checkCap('fullJitter', baseMs, capMs);
  return Object.freeze({
    name: 'fullJitter',
    delay: ({ attempt, random }: { attempt: number; random: () => number }) =>
      random() * cappedExponential(baseMs, 2, attempt, capMs),
  });
}
