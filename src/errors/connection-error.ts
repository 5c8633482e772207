import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * The connection to a node could not be opened, or broke before the request
 * was sent. The request was not applied, so trying again is safe.
 */
export class ConnectionError extends MemcasError {
  /** The node, as `host:port`. */
  readonly node: string;
  /** @param node - `host:port` @param message - details @param options - the cause */
  constructor(node: string, message: string, options: MemcasErrorOptions = {}) {
    super('CONNECTION_FAILED', message, true, options);
    this.node = node;
  }
}

/**
 * True when `err` is a {@link ConnectionError} (checked by code).
 * @function
 */
export const isConnectionError = codeGuard<ConnectionError>('CONNECTION_FAILED');
