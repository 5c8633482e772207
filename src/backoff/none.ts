import type { BackoffPolicy } from './policy.js';

/** Retries at once. Fine for one writer; under contention it turns conflicts into a storm. */
export function none(): BackoffPolicy {
  return Object.freeze({ name: 'none', delay: () => 0 });
}
