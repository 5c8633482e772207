import type {
  Backend,
  CounterRequest,
  StoredItem,
  StoreRequest,
  StoreResult,
} from '../backend/index.js';
import type { NodeHealth } from './node-health.js';
import { isNodeFailure } from './node-failure.js';

/**
 * A backend whose every answer feeds its node's health: node failures count
 * towards marking it down, answers reset the count. It adds no retries.
 */
export class GuardedBackend implements Backend {
  readonly address: string;

  /**
   * @param inner - the node's backend
   * @param health - its health
   * @param onDown - called when a failure marks the node down
   */
  constructor(
    readonly inner: Backend,
    readonly health: NodeHealth,
    private readonly onDown: (backend: GuardedBackend) => void,
  ) {
    this.address = inner.address;
  }

  get(key: string): Promise<StoredItem | undefined> {
    return this.watch(this.inner.get(key));
  }
  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    return this.watch(this.inner.getMany(keys));
  }
  store(request: StoreRequest): Promise<StoreResult> {
    return this.watch(this.inner.store(request));
  }
  delete(key: string, cas: bigint): Promise<'deleted' | 'exists' | 'not_found'> {
    return this.watch(this.inner.delete(key, cas));
  }
  incr(request: CounterRequest): Promise<bigint | undefined> {
    return this.watch(this.inner.incr(request));
  }
  decr(request: CounterRequest): Promise<bigint | undefined> {
    return this.watch(this.inner.decr(request));
  }
  touch(key: string, ttl: number): Promise<boolean> {
    return this.watch(this.inner.touch(key, ttl));
  }
  flush(): Promise<void> {
    return this.watch(this.inner.flush());
  }
  version(): Promise<string> {
    return this.watch(this.inner.version());
  }
  noop(): Promise<void> {
    return this.watch(this.inner.noop());
  }
  stats(): Promise<Record<string, string>> {
    return this.watch(this.inner.stats());
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private watch<R>(pending: Promise<R>): Promise<R> {
    return pending.then(
      (value) => {
        this.health.success();
        return value;
      },
      (err: unknown) => {
        if (isNodeFailure(err) && this.health.failure(err)) this.onDown(this);
        throw err;
      },
    );
  }
}
