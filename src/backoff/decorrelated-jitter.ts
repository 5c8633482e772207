import { resolveJitter, type JitterOptions } from './jitter-options.js';
import type { BackoffPolicy } from './policy.js';

/**
 * "Decorrelated jitter": `min(cap, random(base, previous * 3))`, starting from
 * `previous = base`. Each delay grows from the last one rather than from the
 * attempt number, which keeps writers apart without long idle tails.
 */
export function decorrelatedJitter(options: JitterOptions = {}): BackoffPolicy {
  const { baseMs, capMs } = resolveJitter('decorrelatedJitter', options);
  return Object.freeze({
    name: 'decorrelatedJitter',
    delay: ({ previousDelayMs, random }: { previousDelayMs: number; random: () => number }) => {
      const previous = previousDelayMs > 0 ? Math.min(capMs, previousDelayMs) : baseMs;
      const upper = Math.max(baseMs, previous * 3);
      return Math.min(capMs, baseMs + random() * (upper - baseMs));
    },
  });
}
