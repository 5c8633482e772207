/** Stable error codes carried by every {@link MemcasError}. */
export type MemcasErrorCode =
  | 'INVALID_KEY'
  | 'VALUE_TOO_LARGE'
  | 'CODEC_ERROR'
  | 'NOT_NUMERIC'
  | 'NODE_UNAVAILABLE'
  | 'CONNECTION_FAILED'
  | 'AUTH_FAILED'
  | 'TIMEOUT'
  | 'INDETERMINATE_WRITE'
  | 'RETRY_EXHAUSTED'
  | 'RETRY_BUDGET_EXHAUSTED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'STALE_FENCE'
  | 'LEASE_TIMEOUT'
  | 'CAS_CONFLICT'
  | 'PROTOCOL_ERROR'
  | 'CLIENT_CLOSED'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED'
  | 'DISCOVERY_FAILED';

/** Options shared by every memcas error constructor. */
export interface MemcasErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * Base class of every error memcas throws. Branch on {@link MemcasError.code}
 * (or the `isXxxError()` guards), which stays stable across versions and
 * across several copies of the package in one process; never on the message.
 */
export class MemcasError extends Error {
  /** A stable, machine-readable code. */
  readonly code: MemcasErrorCode;
  /** Whether the same call may succeed if simply tried again later. */
  readonly retryable: boolean;

  /**
   * @param code - the stable code
   * @param message - what happened, to which key or node, and what to do
   * @param retryable - whether trying again may succeed
   * @param options - the cause, if any
   */
  constructor(
    code: MemcasErrorCode,
    message: string,
    retryable: boolean,
    options: MemcasErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * Tells whether a value is a memcas error, optionally of one code. Works by
 * `code`, so it also recognises errors from another copy of the package.
 */
export function isMemcasError(err: unknown, code?: MemcasErrorCode): err is MemcasError {
  if (typeof err !== 'object' || err === null || !(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || typeof (err as { retryable?: unknown }).retryable !== 'boolean') {
    return false;
  }
  return code === undefined || c === code;
}

/** Makes a type guard that recognises the errors of one code. */
export function codeGuard<T extends MemcasError>(
  code: MemcasErrorCode,
): (err: unknown) => err is T {
  return (err: unknown): err is T => isMemcasError(err, code);
}
