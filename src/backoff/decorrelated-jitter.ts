import { DEFAULT_JITTER_OPTIONS, type JitterOptions } from './jitter-options.js';
import { checkCap, checkMs, type BackoffPolicy } from './policy.js';

/**
 * "Decorrelated jitter": `min(cap, random(base, previous * 3))`, starting from
 * `previous = base`. Each delay grows from the last one rather than from the
 * attempt number, which keeps writers apart without long idle tails.
 */
export function decorrelatedJitter(options: JitterOptions = {}): BackoffPolicy {
  const baseMs = checkMs(
    'decorrelatedJitter',
    'baseMs',
    options.baseMs ?? DEFAULT_JITTER_OPTIONS.baseMs,
  );
  const capMs = checkMs(
    'decorrelatedJitter',
    'capMs',
    options.capMs ?? DEFAULT_JITTER_OPTIONS.capMs,
  );
  checkCap('decorrelatedJitter', baseMs, capMs);
  return Object.freeze({
    name: 'decorrelatedJitter',
    delay: ({ previousDelayMs, random }: { previousDelayMs: number; random: () => number }) => {
      const previous = previousDelayMs > 0 ? Math.min(capMs, previousDelayMs) : baseMs;
      const upper = Math.max(baseMs, previous * 3);
      return Math.min(capMs, baseMs + random() * (upper - baseMs));
    },
  });
}
