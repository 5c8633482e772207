import { codeGuard, MemcasError } from './memcas-error.js';

/** `incr`/`decr` found a value that is not a decimal unsigned 64-bit number, as memcached refuses it. */
export class NonNumericValueError extends MemcasError {
  /** The key involved. */
  readonly key: string;
  /** @param key - the key @param where - the node or store that refused */
  constructor(key: string, where: string) {
    super(
      'NOT_NUMERIC',
      `${where} cannot incr/decr key ${JSON.stringify(key)}: its value is not a decimal unsigned 64-bit number`,
      false,
    );
    this.key = key;
  }
}

/**
 * True when `err` is a {@link NonNumericValueError} (checked by code).
 * @function
 */
export const isNonNumericValueError = codeGuard<NonNumericValueError>('NOT_NUMERIC');
