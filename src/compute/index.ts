export type {
  ComputeResult,
  ComputeHit,
  ComputeComputed,
  ComputeStale,
  ComputeReason,
  ComputeContext,
  ComputeFn,
  InvalidateResult,
} from './compute-result.js';
export {
  DEFAULT_GET_OR_COMPUTE_OPTIONS,
  GET_OR_COMPUTE_OPTION_NAMES,
  resolveComputeOptions,
  type GetOrComputeOptions,
  type ResolvedComputeOptions,
  type WaitTimeoutAction,
} from './compute-options.js';
export { ComputeRunner, type ComputeCall, type ComputeObserver } from './compute-runner.js';
export type { FlightObserver } from './flight.js';
export { keyLeases, invalidateKey } from './key-leases.js';
export { LEASE_ENVELOPE_FLAGS } from './envelope.js';
export type { LeaseIO, LeaseSettings, StoredValue } from './lease.js';
