import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/** The node owning a key is marked down; the call failed fast without touching the network. */
export class NodeUnavailableError extends MemcasError {
  /** The node, as `host:port`. */
  readonly node: string;
  /** @param node - `host:port` @param message - details @param options - the cause */
  constructor(node: string, message: string, options: MemcasErrorOptions = {}) {
    super('NODE_UNAVAILABLE', message, true, options);
    this.node = node;
  }
}

/**
 * True when `err` is a {@link NodeUnavailableError} (checked by code).
 * @function
 */
export const isNodeUnavailableError = codeGuard<NodeUnavailableError>('NODE_UNAVAILABLE');
