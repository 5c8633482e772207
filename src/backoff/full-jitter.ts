import { resolveJitter, type JitterOptions } from './jitter-options.js';
import { cappedExponential, type BackoffPolicy } from './policy.js';

/**
 * "Full jitter": `random(0, min(cap, base * 2^(attempt-1)))`. Spreads
 * colliding writers widely; the fewest total calls in AWS's "Exponential
 * Backoff And Jitter" analysis.
 */
export function fullJitter(options: JitterOptions = {}): BackoffPolicy {
  const { baseMs, capMs } = resolveJitter('fullJitter', options);
  return Object.freeze({
    name: 'fullJitter',
    delay: ({ attempt, random }: { attempt: number; random: () => number }) =>
      random() * cappedExponential(baseMs, 2, attempt, capMs),
  });
}
