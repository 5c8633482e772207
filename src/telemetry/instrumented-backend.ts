import type {
  Backend,
  CounterRequest,
  StoredItem,
  StoreRequest,
  StoreResult,
} from '../backend/index.js';
import { failSpan, type NodeAttributes, type Telemetry } from './telemetry.js';

/**
 * A backend whose every operation is timed into `db.client.operation.duration`
 * (and traced, with `traceOperations`), and whose CAS races count as
 * conflicts — an outcome, not an error. Attribute sets are made once per
 * node and operation, so a recorded operation allocates nothing extra.
 */
export class InstrumentedBackend implements Backend {
  readonly address: string;
  /** The node's attributes. */
  readonly attributes: NodeAttributes;

  /** @param inner - the backend @param telemetry - the client's instruments */
  constructor(
    readonly inner: Backend,
    private readonly telemetry: Telemetry,
  ) {
    this.address = inner.address;
    this.attributes = telemetry.node(inner.address);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return this.run('get', this.inner.get(key));
  }
  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    return this.run('get_multi', this.inner.getMany(keys));
  }
  async store(request: StoreRequest): Promise<StoreResult> {
    const op = request.cas !== 0n ? 'cas' : request.mode;
    const r = await this.run(op, this.inner.store(request));
    if (r.outcome === 'exists' && (op === 'cas' || op === 'add'))
      this.telemetry.metrics.conflicts.add(1, this.attributes.op(op));
    return r;
  }
  async delete(key: string, cas: bigint): Promise<'deleted' | 'exists' | 'not_found'> {
    const r = await this.run('delete', this.inner.delete(key, cas));
    if (r === 'exists') this.telemetry.metrics.conflicts.add(1, this.attributes.op('delete'));
    return r;
  }
  incr(request: CounterRequest): Promise<bigint | undefined> {
    return this.run('incr', this.inner.incr(request));
  }
  decr(request: CounterRequest): Promise<bigint | undefined> {
    return this.run('decr', this.inner.decr(request));
  }
  touch(key: string, ttl: number): Promise<boolean> {
    return this.run('touch', this.inner.touch(key, ttl));
  }
  flush(): Promise<void> {
    return this.run('flush_all', this.inner.flush());
  }
  version(): Promise<string> {
    return this.run('version', this.inner.version());
  }
  noop(): Promise<void> {
    return this.run('noop', this.inner.noop());
  }
  stats(): Promise<Record<string, string>> {
    return this.run('stats', this.inner.stats());
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private run<R>(op: string, pending: Promise<R>): Promise<R> {
    const started = performance.now();
    const span = this.telemetry.operationSpan(this.attributes, op);
    return pending.then(
      (value) => {
        this.telemetry.metrics.operationDuration.record(
          (performance.now() - started) / 1000,
          this.attributes.op(op),
        );
        span?.end();
        return value;
      },
      (error: unknown) => {
        this.telemetry.metrics.operationDuration.record(
          (performance.now() - started) / 1000,
          this.attributes.failed(op, error),
        );
        if (span) failSpan(span, error);
        throw error;
      },
    );
  }
}
