import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/** A read (or another request that changes nothing) got no answer in time. */
export class TimeoutError extends MemcasError {
  /** The node, as `host:port`. */
  readonly node: string;
  /** @param node - `host:port` @param message - details @param options - the cause */
  constructor(node: string, message: string, options: MemcasErrorOptions = {}) {
    super('TIMEOUT', message, true, options);
    this.node = node;
  }
}

/**
 * True when `err` is a {@link TimeoutError} (checked by code).
 * @function
 */
export const isTimeoutError = codeGuard<TimeoutError>('TIMEOUT');
