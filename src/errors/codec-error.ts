import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/** A value could not be encoded (nothing was written) or a stored value could not be decoded by the codec asked to read it. */
export class CodecError extends MemcasError {
  /** The key involved. */
  readonly key: string;
  /** @param key - the key @param message - what went wrong @param options - the cause */
  constructor(key: string, message: string, options: MemcasErrorOptions = {}) {
    super('CODEC_ERROR', `key ${JSON.stringify(key)}: ${message}`, false, options);
    this.key = key;
  }
}

/**
 * True when `err` is a {@link CodecError} (checked by code).
 * @function
 */
export const isCodecError = codeGuard<CodecError>('CODEC_ERROR');
