export type { Codec } from './codec.js';
export { jsonCodec, type JsonCodecOptions } from './json.js';
export { stringCodec, type StringCodecOptions } from './string.js';
export { rawCodec, type RawCodecOptions } from './raw.js';
export { encodeValue, decodeValue, checkCodec } from './apply.js';
export { unwrapFenceOf } from './apply.js';
export {
  FENCED_FLAGS,
  FENCE_HEADER_BYTES,
  wrapFenced,
  unwrapFenced,
  type Fenced,
} from './fence-envelope.js';
