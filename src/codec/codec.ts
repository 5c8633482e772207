/**
 * Turns values into bytes and back. The `flags` number is stored with every
 * item: a codec writes its own flags and reads only items carrying them, so a
 * value written by one codec and read by another gives a clear
 * {@link CodecError} instead of garbage.
 *
 * | codec | flags | what other clients see |
 * | --- | --- | --- |
 * | {@link jsonCodec} (default) | 0 | plain UTF-8 JSON text, as pymemcache and libmemcached write it |
 * | {@link stringCodec} | 16 | UTF-8 text; pymemcache's serde reads flags 16 as `str` |
 * | {@link rawCodec} | 32 | bytes; other clients without a serializer read them as bytes |
 *
 * @typeParam T - the type of the values it handles
 * @example
 * ```ts
 * const dateCodec: Codec<Date> = {
 *   name: 'date',
 *   flags: 0x4d01,
 *   encode: (d) => Buffer.from(d.toISOString()),
 *   decode: (b) => new Date(b.toString()),
 * };
 * ```
 */
export interface Codec<T> {
  /** A short name used in error messages. */
  readonly name: string;
  /** The memcached flags this codec writes and accepts (a 32-bit unsigned integer). */
  readonly flags: number;
  /** Turns a value into bytes. May throw; the error becomes a {@link CodecError} and nothing is written. */
  encode(value: T): Buffer;
  /** Turns stored bytes back into a value. May throw; the error becomes a {@link CodecError}. */
  decode(bytes: Buffer): T;
}
