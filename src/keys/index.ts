export { MAX_KEY_BYTES, prefixedKey, checkKeyPrefix } from './key.js';
