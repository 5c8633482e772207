import { InvalidArgumentError } from '../errors/index.js';
import type { Codec } from './codec.js';

/** Options of {@link rawCodec}. */
export interface RawCodecOptions {
  /**
   * The flags written and accepted. Use `0` to read bytes that other clients wrote without a serializer.
   * @defaultValue 32
   */
  readonly flags?: number;
}

/** Bytes as they are: a `Buffer` (or `Uint8Array`) in, a `Buffer` of its own out. */
export function rawCodec(options: RawCodecOptions = {}): Codec<Buffer> {
  return {
    name: 'raw',
    flags: options.flags ?? 32,
    encode(value: Buffer): Buffer {
      const v: unknown = value;
      if (Buffer.isBuffer(v)) return v;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      throw new InvalidArgumentError(`expected a Buffer or Uint8Array, got ${typeof v}`);
    },
    decode(bytes: Buffer): Buffer {
      // Copy: the bytes may be a view into a larger socket chunk.
      return Buffer.from(bytes);
    },
  };
}
