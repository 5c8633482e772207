import { prefixedKey } from '../keys/index.js';

/**
 * Where a lock lives: its own item, `<keyPrefix>memcas-lock:<key>`, so a
 * lock and the data it guards can share a name (`withLock('report', …)`
 * with a fenced `set('report', …)`).
 */
export const LOCK_KEY_PREFIX = 'memcas-lock:';

/**
 * The full key of the lock item for `key` under the client's `keyPrefix`.
 * @throws {@link InvalidKeyError} before any I/O
 * @internal
 */
export function lockItemKey(keyPrefix: string, key: unknown): string {
  return prefixedKey(keyPrefix + LOCK_KEY_PREFIX, key);
}
