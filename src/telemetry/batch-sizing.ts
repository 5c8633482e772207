import type {
  Backend,
  CounterRequest,
  NativeLeases,
  StoredItem,
  StoreRequest,
  StoreResult,
} from '../backend/index.js';
import type { OperationObserver } from './operation-observer.js';

/**
 * A node's backend that tells the node's {@link OperationObserver} how many
 * keys each `getMany` sends to it, so the batch is named and sized as the
 * database conventions say. The backend calls the observer's `start`
 * synchronously inside `getMany`, so the size is set just for that call and
 * cleared right after it; every other call passes straight through.
 */
export class BatchSizing implements Backend {
  readonly address: string;

  /** The wrapped backend's requests not yet answered. */
  get pending(): number {
    return this.inner.pending;
  }

  /** @param inner - the node's backend @param observer - its telemetry observer */
  constructor(
    private readonly inner: Backend,
    private readonly observer: OperationObserver,
  ) {
    this.address = inner.address;
    this.leases = inner.leases;
  }

  /** The wrapped backend's leases. */
  readonly leases: NativeLeases | undefined;

  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    this.observer.sizeBatch(keys.length);
    try {
      return this.inner.getMany(keys);
    } finally {
      this.observer.sizeBatch(undefined);
    }
  }

  get(key: string): Promise<StoredItem | undefined> {
    return this.inner.get(key);
  }
  store(request: StoreRequest): Promise<StoreResult> {
    return this.inner.store(request);
  }
  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'> {
    return this.inner.delete(key, cas, session);
  }
  incr(request: CounterRequest): Promise<bigint | undefined> {
    return this.inner.incr(request);
  }
  decr(request: CounterRequest): Promise<bigint | undefined> {
    return this.inner.decr(request);
  }
  touch(key: string, ttl: number): Promise<boolean> {
    return this.inner.touch(key, ttl);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  version(): Promise<string> {
    return this.inner.version();
  }
  noop(): Promise<void> {
    return this.inner.noop();
  }
  stats(): Promise<Record<string, string>> {
    return this.inner.stats();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
