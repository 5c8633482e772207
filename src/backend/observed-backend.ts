import type {
  Backend,
  CounterRequest,
  NativeLeases,
  StoredItem,
  StoreRequest,
  StoreResult,
} from './backend.js';
import type { BackendObserver } from './backend-observer.js';

/**
 * Tells an observer about every operation of a backend that has no observer
 * support of its own (the embedded store). The memcached backend calls its
 * observer directly, without this extra promise per call.
 */
export class ObservedBackend implements Backend {
  readonly address: string;

  /** The wrapped backend's requests not yet answered. */
  get pending(): number {
    return this.inner.pending;
  }

  /** @param inner - the backend @param observer - who to tell */
  constructor(
    private readonly inner: Backend,
    private readonly observer: BackendObserver,
  ) {
    this.address = inner.address;
    const leases = inner.leases;
    this.leases = leases && {
      read: (request) => this.run('lease_get', () => leases.read(request)),
      invalidate: (key, cas, session) =>
        this.run('invalidate', () => leases.invalidate(key, cas, session)),
    };
  }

  /** The wrapped backend's leases, observed. */
  readonly leases: NativeLeases | undefined;

  get(key: string): Promise<StoredItem | undefined> {
    return this.run('get', () => this.inner.get(key));
  }
  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    return this.run('getMany', () => this.inner.getMany(keys), keys.length);
  }
  async store(request: StoreRequest): Promise<StoreResult> {
    const op = request.cas !== 0n ? 'cas' : request.mode;
    const r = await this.run(op, () => this.inner.store(request));
    if (r.outcome === 'exists' && (op === 'cas' || op === 'add')) this.observer.conflict(op);
    return r;
  }
  async delete(
    key: string,
    cas: bigint,
    session?: number,
  ): Promise<'deleted' | 'exists' | 'not_found'> {
    const r = await this.run('delete', () => this.inner.delete(key, cas, session));
    if (r === 'exists') this.observer.conflict('delete');
    return r;
  }
  incr(request: CounterRequest): Promise<bigint | undefined> {
    return this.run('incr', () => this.inner.incr(request));
  }
  decr(request: CounterRequest): Promise<bigint | undefined> {
    return this.run('decr', () => this.inner.decr(request));
  }
  touch(key: string, ttl: number): Promise<boolean> {
    return this.run('touch', () => this.inner.touch(key, ttl));
  }
  flush(): Promise<void> {
    return this.run('flush', () => this.inner.flush());
  }
  version(): Promise<string> {
    return this.run('version', () => this.inner.version());
  }
  noop(): Promise<void> {
    return this.run('noop', () => this.inner.noop());
  }
  stats(): Promise<Record<string, string>> {
    return this.run('stats', () => this.inner.stats());
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private run<R>(op: string, call: () => Promise<R>, batchSize?: number): Promise<R> {
    const token = this.observer.start(op, batchSize);
    return call().then(
      (value) => {
        this.observer.finish(op, token, undefined);
        return value;
      },
      (error: unknown) => {
        this.observer.finish(op, token, error);
        throw error;
      },
    );
  }
}
