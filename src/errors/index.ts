export {
  MemcasError,
  isMemcasError,
  type MemcasErrorCode,
  type MemcasErrorOptions,
} from './memcas-error.js';
export { InvalidKeyError, isInvalidKeyError } from './invalid-key-error.js';
export { ValueTooLargeError, isValueTooLargeError } from './value-too-large-error.js';
export { CodecError, isCodecError } from './codec-error.js';
export { NonNumericValueError, isNonNumericValueError } from './non-numeric-value-error.js';
export { NodeUnavailableError, isNodeUnavailableError } from './node-unavailable-error.js';
export { ConnectionError, isConnectionError } from './connection-error.js';
export { TimeoutError, isTimeoutError } from './timeout-error.js';
export { IndeterminateWriteError, isIndeterminateWriteError } from './indeterminate-write-error.js';
export { ProtocolError, isProtocolError } from './protocol-error.js';
export { ClientClosedError, isClientClosedError } from './client-closed-error.js';
export { CasConflictError, isCasConflictError, type ConflictKind } from './cas-conflict-error.js';
export { RetryExhaustedError, isRetryExhaustedError } from './retry-exhausted-error.js';
export {
  RetryBudgetExhaustedError,
  isRetryBudgetExhaustedError,
} from './retry-budget-exhausted-error.js';
export { LockTimeoutError, isLockTimeoutError } from './lock-timeout-error.js';
export { LockLostError, isLockLostError } from './lock-lost-error.js';
export { StaleFenceError, isStaleFenceError } from './stale-fence-error.js';
export { LeaseTimeoutError, isLeaseTimeoutError } from './lease-timeout-error.js';
export { AuthenticationError, isAuthenticationError } from './authentication-error.js';
export { InvalidArgumentError, isInvalidArgumentError } from './invalid-argument-error.js';
export {
  UnsupportedOperationError,
  isUnsupportedOperationError,
} from './unsupported-operation-error.js';
export { DiscoveryError, isDiscoveryError, type DiscoveryFailure } from './discovery-error.js';
