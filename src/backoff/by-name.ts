import { InvalidArgumentError } from '../errors/index.js';
import { constant } from './constant.js';
import { decorrelatedJitter } from './decorrelated-jitter.js';
import { equalJitter } from './equal-jitter.js';
import { exponential } from './exponential.js';
import { fullJitter } from './full-jitter.js';
import { linear } from './linear.js';
import { none } from './none.js';
import type { BackoffPolicy } from './policy.js';

/** Every built-in policy by name, each with its defaults: for configuration files, flags and benchmarks. */
export const BACKOFF_POLICIES: Readonly<Record<BackoffPolicyName, () => BackoffPolicy>> =
  Object.freeze({
    none: () => none(),
    constant: () => constant(),
    linear: () => linear(),
    exponential: () => exponential(),
    fullJitter: () => fullJitter(),
    equalJitter: () => equalJitter(),
    decorrelatedJitter: () => decorrelatedJitter(),
  });

/** The names of the built-in policies. */
export type BackoffPolicyName =
  | 'none'
  | 'constant'
  | 'linear'
  | 'exponential'
  | 'fullJitter'
  | 'equalJitter'
  | 'decorrelatedJitter';

/**
 * A built-in policy, with its defaults, by name (as found in a config file or a flag).
 *
 * @throws TypeError naming the choices when the name is unknown
 * @example
 * ```ts
 * createClient({ servers, retry: { policy: policyByName(process.env.MEMCAS_BACKOFF ?? 'decorrelatedJitter') } });
 * ```
 */
export function policyByName(name: string): BackoffPolicy {
  const make = (BACKOFF_POLICIES as Record<string, (() => BackoffPolicy) | undefined>)[name];
  if (!make)
    throw new InvalidArgumentError(
      `unknown backoff policy ${JSON.stringify(name)}; choose one of ${Object.keys(BACKOFF_POLICIES).join(', ')}`,
    );
  return make();
}
