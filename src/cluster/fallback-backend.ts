import {
  cappedTtl,
  type Backend,
  type CounterRequest,
  type NativeLeases,
  type StoredItem,
  type StoreRequest,
  type StoreResult,
} from '../backend/index.js';

/**
 * A node as the keys rerouted to it see it while their owner is down
 * (`onNodeDown: 'rehash'`): every TTL written through it is capped, as
 * mcrouter caps failover writes with `failover_exptime`. A copy left there
 * by any client, even one that dies before the owner rejoins, is gone within
 * the cap instead of resurfacing in a later outage.
 */
export class FallbackBackend implements Backend {
  readonly address: string;

  /** The wrapped backend's requests not yet answered. */
  get pending(): number {
    return this.inner.pending;
  }

  /**
   * @param inner - the fallback node's backend
   * @param capSeconds - the longest TTL written through it
   * @param nowMs - the wall clock, for absolute expiry times
   */
  constructor(
    private readonly inner: Backend,
    private readonly capSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.address = inner.address;
    // A lease's placeholder lives seconds, well under any cap.
    this.leases = inner.leases;
  }

  /** The fallback node's leases. */
  readonly leases: NativeLeases | undefined;

  get(key: string): Promise<StoredItem | undefined> {
    return this.inner.get(key);
  }
  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    return this.inner.getMany(keys);
  }
  store(request: StoreRequest): Promise<StoreResult> {
    return this.inner.store({ ...request, ttl: this.cap(request.ttl) });
  }
  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'> {
    return this.inner.delete(key, cas, session);
  }
  incr(request: CounterRequest): Promise<bigint | undefined> {
    return this.inner.incr({ ...request, ttl: this.cap(request.ttl) });
  }
  decr(request: CounterRequest): Promise<bigint | undefined> {
    return this.inner.decr({ ...request, ttl: this.cap(request.ttl) });
  }
  touch(key: string, ttl: number): Promise<boolean> {
    return this.inner.touch(key, this.cap(ttl));
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

  private cap(ttl: number): number {
    return cappedTtl(ttl, this.capSeconds, this.nowMs());
  }
}
