import { codeGuard, MemcasError } from './memcas-error.js';

/** A value was larger than the item size limit; nothing was written. */
export class ValueTooLargeError extends MemcasError {
  /** The key the value was meant for. */
  readonly key: string;
  /** The encoded size in bytes, when known. */
  readonly size: number | undefined;
  /** @param key - the key @param size - encoded size @param limit - the limit in bytes @param where - who refused it */
  constructor(key: string, size: number | undefined, limit: number | undefined, where: string) {
    const sizeText = size === undefined ? 'the value' : `${size} bytes`;
    const limitText = limit === undefined ? 'its item size limit' : `the ${limit}-byte limit`;
    super(
      'VALUE_TOO_LARGE',
      `${where} refused ${sizeText} for key ${JSON.stringify(key)}: over ${limitText}; ` +
        'store less, or raise maxValueBytes together with memcached -I',
      false,
    );
    this.key = key;
    this.size = size;
  }
}

/**
 * True when `err` is a {@link ValueTooLargeError} (checked by code).
 * @function
 */
export const isValueTooLargeError = codeGuard<ValueTooLargeError>('VALUE_TOO_LARGE');
