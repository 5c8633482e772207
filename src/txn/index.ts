export { remove, abort, isAbort, isRemove, type Remove, type Abort } from './markers.js';
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
export type { UpdateIO, Snapshot, WriteOutcome } from './update-io.js';
export { UpdateCall, type UpdateFn, type CallObserver } from './update-call.js';
export { Batch, STALL_MS, type BatchObserver } from './batch.js';
export { Combiner, type BatchRunner } from './combiner.js';
export { Updater, type UpdateTelemetry } from './updater.js';
export { keyUpdateIO } from './key-io.js';
