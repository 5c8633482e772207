export { remove, abort, isAbort, isRemove, type Remove, type Abort } from './markers.js';
export {
  DEFAULT_RETRY_OPTIONS,
  resolveRetryOptions,
  type RetryOptions,
  type ResolvedRetryOptions,
  type UpdateOptions,
} from './update-options.js';
export type { UpdateResult, UpdateOutcome, UpdateContext } from './update-result.js';
export type { UpdateIO, Snapshot, WriteOutcome } from './update-io.js';
export { Batch, type UpdateFn, type Waiter, type BatchObserver } from './batch.js';
export { Combiner } from './combiner.js';
