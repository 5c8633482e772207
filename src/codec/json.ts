import { InvalidArgumentError } from '../errors/index.js';
import type { Codec } from './codec.js';

/** Options of {@link jsonCodec}. */
export interface JsonCodecOptions {
  /**
   * The flags written and accepted.
   * @defaultValue 0, the plain-bytes flags other clients use for JSON text
   */
  readonly flags?: number;
}

/**
 * The default codec: values as JSON text (UTF-8) with flags 0, the way most
 * memcached clients in other languages store JSON, so they read and CAS-update
 * what memcas writes and the other way round. Values JSON cannot represent
 * (BigInt, cycles, `undefined` at the top level) are refused with a
 * {@link CodecError} before anything is written.
 */
export function jsonCodec<T = unknown>(options: JsonCodecOptions = {}): Codec<T> {
  return {
    name: 'json',
    flags: options.flags ?? 0,
    encode(value: T): Buffer {
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new InvalidArgumentError(`JSON cannot encode a value of type ${typeof value}`);
      return Buffer.from(text, 'utf8');
    },
    decode(bytes: Buffer): T {
      return JSON.parse(bytes.toString('utf8')) as T;
    },
  };
}
