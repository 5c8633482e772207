import { CodecError, InvalidArgumentError } from '../errors/index.js';
import type { Codec } from './codec.js';
import { FENCED_FLAGS, unwrapFenced } from './fence-envelope.js';

/**
 * Encodes through a codec, turning any failure into a {@link CodecError}.
 * @internal
 */
export function encodeValue<T>(codec: Codec<T>, key: string, value: T): Buffer {
  try {
    return codec.encode(value);
  } catch (err) {
    throw new CodecError(
      key,
      `the ${codec.name} codec cannot encode this value (${(err as Error).message}); nothing was written`,
      { cause: err },
    );
  }
}

/**
 * Decodes through a codec after checking that the item's flags are the codec's own.
 * @internal
 */
export function decodeValue<T>(codec: Codec<T>, key: string, bytes: Buffer, flags: number): T {
  // A fenced write's envelope: readers see the value inside (docs/locks.md).
  if (flags === FENCED_FLAGS) {
    const inner = unwrapFenceOf(key, bytes);
    return decodeValue(codec, key, inner.value, inner.flags);
  }
  if (flags !== codec.flags) {
    throw new CodecError(
      key,
      `stored with flags ${flags}, but the ${codec.name} codec reads flags ${codec.flags}; ` +
        'read it with the codec that wrote it',
    );
  }
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw new CodecError(
      key,
      `the ${codec.name} codec cannot decode the stored bytes (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/**
 * Unwraps a fenced envelope, turning a malformed one into a {@link CodecError}.
 * @internal
 */
export function unwrapFenceOf(key: string, bytes: Buffer): ReturnType<typeof unwrapFenced> {
  try {
    return unwrapFenced(bytes);
  } catch (err) {
    throw new CodecError(key, `stored with the fenced-write flags, but ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Checks a codec given in options.
 * @internal
 */
export function checkCodec(codec: unknown, option: string): void {
  const c = codec as Partial<Codec<unknown>> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.encode !== 'function' ||
    typeof c.decode !== 'function' ||
    typeof c.name !== 'string' ||
    !Number.isInteger(c.flags) ||
    (c.flags as number) < 0 ||
    (c.flags as number) > 0xffffffff
  ) {
    throw new InvalidArgumentError(
      `${option} must be a Codec: { name, flags (uint32), encode, decode }`,
    );
  }
  if (c.flags === FENCED_FLAGS) {
    throw new InvalidArgumentError(
      `${option}: flags 0x${FENCED_FLAGS.toString(16)} are reserved for fenced writes (docs/locks.md); choose others`,
    );
  }
}
