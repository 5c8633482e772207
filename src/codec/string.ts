import { InvalidArgumentError } from '../errors/index.js';
import type { Codec } from './codec.js';

/** Options of {@link stringCodec}. */
export interface StringCodecOptions {
  /**
   * The flags written and accepted.
   * @defaultValue 16, pymemcache's flag for text
   */
  readonly flags?: number;
}

/** Strings as UTF-8 bytes. Non-string values are refused with a {@link CodecError}. */
export function stringCodec(options: StringCodecOptions = {}): Codec<string> {
  return {
    name: 'string',
    flags: options.flags ?? 16,
    encode(value: string): Buffer {
      if (typeof value !== 'string')
        throw new InvalidArgumentError(`expected a string, got ${typeof value}`);
      return Buffer.from(value, 'utf8');
    },
    decode(bytes: Buffer): string {
      return bytes.toString('utf8');
    },
  };
}
