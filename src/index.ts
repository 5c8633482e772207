/**
 * memcas: memcached as safe shared state for Node.js — CAS operations,
 * read-modify-write transactions with backoff, sharding and telemetry.
 *
 * @packageDocumentation
 */
export {
  Client,
  createClient,
  DEFAULT_CLIENT_OPTIONS,
  type ClientOptions,
  type ServerAddress,
  type ReadOptions,
  type WriteOptions,
  type GetManyOptions,
  type GetManyEntry,
  type CounterOptions,
  type DeleteOptions,
  type CasValue,
  type CasResult,
  type AddResult,
  type ReplaceResult,
  type DeleteResult,
  type TouchResult,
} from './client/index.js';
export {
  jsonCodec,
  stringCodec,
  rawCodec,
  type Codec,
  type JsonCodecOptions,
  type StringCodecOptions,
  type RawCodecOptions,
} from './codec/index.js';
export {
  MemoryStore,
  DEFAULT_MEMORY_STORE_OPTIONS,
  type MemoryStoreOptions,
} from './backend/index.js';
export { MAX_KEY_BYTES } from './keys/index.js';
export {
  MemcasError,
  isMemcasError,
  type MemcasErrorCode,
  type MemcasErrorOptions,
  InvalidKeyError,
  isInvalidKeyError,
  ValueTooLargeError,
  isValueTooLargeError,
  CodecError,
  isCodecError,
  NonNumericValueError,
  isNonNumericValueError,
  NodeUnavailableError,
  isNodeUnavailableError,
  ConnectionError,
  isConnectionError,
  TimeoutError,
  isTimeoutError,
  IndeterminateWriteError,
  isIndeterminateWriteError,
  ProtocolError,
  isProtocolError,
  ClientClosedError,
  isClientClosedError,
} from './errors/index.js';
