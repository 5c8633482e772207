export { remove, abort, isAbort, isRemove, type Remove, type Abort } from './update-result.js';
export {
  DEFAULT_RETRY_OPTIONS,
  resolveRetryOptions,
  type RetryOptions,
  type ResolvedRetryOptions,
  type UpdateOptions,
} from './update-options.js';
export type {
  UpdateResult,
  UpdateWritten,
  UpdateRemoved,
  UpdateAborted,
  UpdateOutcome,
  UpdateContext,
} from './update-result.js';
export type { UpdateIO, UpdateSink, Snapshot, WriteOutcome } from './key-io.js';
export { Batch, STALL_MS, type BatchObserver } from './batch.js';
export { Combiner, type BatchRunner } from './combiner.js';
export { Updater, UpdateCall, type UpdateTelemetry, type UpdateFn } from './updater.js';
export { KeyUpdateIO } from './key-io.js';
