export type { BackoffPolicy, BackoffInput } from './policy.js';
export { none } from './none.js';
export { constant, DEFAULT_CONSTANT_OPTIONS, type ConstantOptions } from './constant.js';
export { linear, DEFAULT_LINEAR_OPTIONS, type LinearOptions } from './linear.js';
export {
  exponential,
  DEFAULT_EXPONENTIAL_OPTIONS,
  type ExponentialOptions,
} from './exponential.js';
export { DEFAULT_JITTER_OPTIONS, type JitterOptions } from './jitter-options.js';
export { fullJitter } from './full-jitter.js';
export { equalJitter } from './equal-jitter.js';
export { decorrelatedJitter } from './decorrelated-jitter.js';
export { BACKOFF_POLICIES, policyByName, type BackoffPolicyName } from './by-name.js';
export {
  RetryBudget,
  DEFAULT_RETRY_BUDGET,
  resolveRetryBudget,
  unlimitedRetries,
  type RetryBudgetOptions,
  type RetryGate,
} from './retry-budget.js';
