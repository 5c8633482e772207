import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * A memcached node refused the SASL credentials. memcas does not retry them in
 * a loop: calls to that node fail with this error at once until the
 * node's retry interval has passed. The credentials never appear in the message.
 */
export class AuthenticationError extends MemcasError {
  /** The node, as `host:port`. */
  readonly node: string;
  /**
   * @param node - `host:port`
   * @param message - what happened (default: the credentials were refused)
   * @param options - the cause
   */
  constructor(node: string, message?: string, options: MemcasErrorOptions = {}) {
    super(
      'AUTH_FAILED',
      message ??
        `memcached ${node} refused the SASL credentials (username/password); check them, and that the server runs with -S`,
      false,
      options,
    );
    this.node = node;
  }
}

/**
 * True when `err` is an {@link AuthenticationError} (checked by code).
 * @function
 */
export const isAuthenticationError = codeGuard<AuthenticationError>('AUTH_FAILED');
