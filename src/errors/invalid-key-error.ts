import { codeGuard, MemcasError } from './memcas-error.js';

/** A key was empty, too long (over 250 bytes with its prefix) or held spaces or control characters. Raised before any I/O. */
export class InvalidKeyError extends MemcasError {
  /** The offending key, as given (without the prefix). */
  readonly key: unknown;
  /** @param key - the key as given @param reason - why it is refused */
  constructor(key: unknown, reason: string) {
    super('INVALID_KEY', `invalid key ${describeKey(key)}: ${reason}`, false);
    this.key = key;
  }
}

function describeKey(key: unknown): string {
  if (typeof key !== 'string') return `(${typeof key})`;
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
}

/**
 * True when `err` is an {@link InvalidKeyError} (checked by code).
 * @function
 */
export const isInvalidKeyError = codeGuard<InvalidKeyError>('INVALID_KEY');
