import { InvalidKeyError, InvalidArgumentError } from '../errors/index.js';

/** The longest key memcached accepts, in bytes, prefix included. */
export const MAX_KEY_BYTES = 250;

/**
 * Checks a key and returns it with the prefix in front, as sent to memcached.
 * Refuses empty keys, keys over {@link MAX_KEY_BYTES} bytes (UTF-8, prefix
 * included), keys with spaces or control characters (the binary protocol
 * would carry them, but the text protocol other clients use cannot), and keys
 * that are not well-formed Unicode (a lone surrogate has no UTF-8 form, so two
 * such keys would be the same bytes on the server).
 *
 * @throws {@link InvalidKeyError} before any I/O
 */
export function prefixedKey(prefix: string, key: unknown): string {
  if (typeof key !== 'string') throw new InvalidKeyError(key, 'a key must be a string');
  if (key.length === 0) throw new InvalidKeyError(key, 'a key must not be empty');
  const full = prefix + key;
  for (let i = 0; i < full.length; i++) {
    const c = full.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) {
      throw new InvalidKeyError(
        key,
        `character ${i - prefix.length} (code ${c}) is a space or control character`,
      );
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate has no UTF-8 form: it would be sent as U+FFFD and
      // collide with every other key differing only there.
      const next = full.charCodeAt(i + 1);
      if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new InvalidKeyError(
          key,
          `character ${i - prefix.length} is a lone UTF-16 surrogate (0x${c.toString(16)}); a key must be well-formed Unicode`,
        );
      }
      i++;
    }
  }
  // Byte length only matters past 83 chars: each UTF-16 unit is at most 3 UTF-8 bytes.
  if (full.length > MAX_KEY_BYTES / 3) {
    const bytes = Buffer.byteLength(full, 'utf8');
    if (bytes > MAX_KEY_BYTES) {
      throw new InvalidKeyError(
        key,
        `${bytes} bytes with its prefix, over memcached's limit of ${MAX_KEY_BYTES}`,
      );
    }
  }
  return full;
}

/**
 * Checks a key prefix: the same characters as a key, and short enough to leave room for one.
 *
 * @throws TypeError naming the `keyPrefix` option
 */
export function checkKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidArgumentError('keyPrefix must be a string');
  if (prefix === '') return prefix;
  try {
    prefixedKey('', prefix);
  } catch (err) {
    throw new InvalidArgumentError(`keyPrefix is not valid: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (Buffer.byteLength(prefix) >= MAX_KEY_BYTES) {
    throw new InvalidArgumentError(`keyPrefix must be shorter than ${MAX_KEY_BYTES} bytes`);
  }
  return prefix;
}
