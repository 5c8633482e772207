import { codeGuard, MemcasError } from './memcas-error.js';

/**
 * The protocol a node is spoken to in has no safe way to do what was asked,
 * so memcas did not fake one: nothing was sent. The classic text protocol,
 * for one, has no CAS-guarded delete (and so no `update()` that returns
 * `remove`). Use the meta or binary protocol for the node, or do without the
 * operation; trying again changes nothing.
 */
export class UnsupportedOperationError extends MemcasError {
  /** The operation refused (`delete`, `update`, …). */
  readonly operation: string;
  /** The protocol that lacks it (`text`). */
  readonly protocol: string;
  /**
   * @param operation - the operation refused
   * @param protocol - the protocol that lacks it
   * @param message - what is missing, where, and what to use instead
   */
  constructor(operation: string, protocol: string, message: string) {
    super('UNSUPPORTED', message, false);
    this.operation = operation;
    this.protocol = protocol;
  }
}

/**
 * True when `err` is an {@link UnsupportedOperationError} (checked by code).
 * @function
 */
export const isUnsupportedOperationError = codeGuard<UnsupportedOperationError>('UNSUPPORTED');
