export type {
  Backend,
  StoredItem,
  StoreMode,
  StoreRequest,
  StoreResult,
  CounterRequest,
  LeaseRequest,
  LeaseReply,
  NativeLeases,
} from './backend.js';
export {
  MemoryStore,
  DEFAULT_MEMORY_STORE_OPTIONS,
  type MemoryStoreOptions,
} from './memory-store.js';
export { RELATIVE_TTL_LIMIT_SECONDS, cappedTtl, expiresAt } from './expiry.js';
export { parseCounter, applyDelta, MAX_U64 } from './counter-value.js';
export { itemSize, ITEM_OVERHEAD_BYTES } from './item-size.js';
export type { BackendObserver } from './backend-observer.js';
export { ObservedBackend } from './observed-backend.js';
