import { resolveJitter, type JitterOptions } from './jitter-options.js';
import { cappedExponential, type BackoffPolicy } from './policy.js';

/**
 * "Equal jitter": half of `min(cap, base * 2^(attempt-1))` plus a random
 * half. Never retries at once, at the cost of some spread.
 */
export function equalJitter(options: JitterOptions = {}): BackoffPolicy {
  const { baseMs, capMs } = resolveJitter('equalJitter', options);
  return Object.freeze({
    name: 'equalJitter',
    delay: ({ attempt, random }: { attempt: number; random: () => number }) => {
      const t = cappedExponential(baseMs, 2, attempt, capMs);
      return t / 2 + random() * (t / 2);
    },
  });
}
