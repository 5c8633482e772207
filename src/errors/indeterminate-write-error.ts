import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * A write was sent but its answer was lost (timeout, connection reset): it may
 * or may not have been applied. memcas never re-sends it on its own.
 */
export class IndeterminateWriteError extends MemcasError {
  /** The node, as `host:port`. */
  readonly node: string;
  /** The key written. */
  readonly key: string;
  /** @param node - `host:port` @param key - the key @param message - details @param options - the cause */
  constructor(node: string, key: string, message: string, options: MemcasErrorOptions = {}) {
    super('INDETERMINATE_WRITE', message, false, options);
    this.node = node;
    this.key = key;
  }
}

/**
 * True when `err` is an {@link IndeterminateWriteError} (checked by code).
 * @function
 */
export const isIndeterminateWriteError = codeGuard<IndeterminateWriteError>('INDETERMINATE_WRITE');
