import { performance } from 'node:perf_hooks';
import type {
  Backend,
  BackendObserver,
  CounterRequest,
  StoredItem,
  StoreRequest,
  StoreResult,
} from '../backend/index.js';
import { AuthenticationError, ClientClosedError } from '../errors/index.js';
import { Call, type CallOwner } from './call.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { MalformedReplyError } from './malformed-reply-error.js';
import type { Pending, Reply, Transport } from './transport.js';

/** Settles one operation: tells the observer, then the caller. */
export interface Settle<T> {
  /** The operation answered. */
  done(value: T): void;
  /** The operation failed. */
  fail(error: Error): void;
}

/**
 * What every protocol's {@link Backend} for one memcached node shares: one
 * pipelined {@link Connection} at a time (a new one after a failure, none
 * after close), the observer told about every operation from the
 * connection's own callbacks (no extra promise per call), the memory of
 * refused credentials (no login loop), and the session of CAS tokens. A
 * protocol's backend adds its operations: encode a request, interpret the
 * reply. It retries nothing itself.
 */
export abstract class NodeBackend<R extends Reply> implements Backend, CallOwner {
  readonly address: string;
  private conn: Connection<R> | undefined;
  private closed = false;
  /** Connections made so far: each one's number is its session. */
  private sessions = 0;
  private refusedCredentials: { error: AuthenticationError; until: number } | undefined;

  /**
   * @param options - where and how to connect
   * @param authRetryMs - after the server refuses the credentials, how long calls fail at once before connecting again
   * @param observer - told about every operation
   */
  constructor(
    protected readonly options: ConnectionOptions,
    private readonly authRetryMs: number,
    protected readonly observer: BackendObserver | undefined,
  ) {
    this.address = `${options.host}:${options.port}`;
  }

  /** Requests sent or queued on the connection and not yet answered. */
  get pending(): number {
    return this.conn?.pending ?? 0;
  }

  abstract get(key: string): Promise<StoredItem | undefined>;
  abstract getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>>;
  abstract store(request: StoreRequest): Promise<StoreResult>;
  abstract delete(
    key: string,
    cas: bigint,
    session?: number,
  ): Promise<'deleted' | 'exists' | 'not_found'>;
  abstract incr(request: CounterRequest): Promise<bigint | undefined>;
  abstract decr(request: CounterRequest): Promise<bigint | undefined>;
  abstract touch(key: string, ttl: number): Promise<boolean>;
  abstract flush(): Promise<void>;
  abstract version(): Promise<string>;
  abstract noop(): Promise<void>;
  abstract stats(): Promise<Record<string, string>>;

  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
  }

  /** A new transport for a new connection. */
  protected abstract transport(): Transport<R>;

  /**
   * True when a token read in `session` must not be used now: the connection
   * it was read on is gone (the server may have restarted and numbers CAS from
   * 1 again). A write then is a conflict, not sent.
   */
  protected sessionChanged(session: number | undefined): boolean {
    if (session === undefined) return false;
    const conn = this.conn;
    return conn === undefined || conn.dead || conn.id !== session;
  }

  /**
   * Sends one request; `interpret` turns its answer (and the connection's
   * session) into the result, or throws: a {@link MalformedReplyError} fails
   * the connection, any other error fails this operation only. `itemSize`:
   * see {@link Pending.itemSize}.
   */
  protected call<T>(
    op: string,
    key: string,
    write: boolean,
    request: Buffer,
    interpret: (r: R, session: number) => T,
    opaqueAt?: number,
    itemSize?: number,
  ): Promise<T> {
    const token = this.observer?.start(op);
    let conn: Connection<R>;
    try {
      conn = this.connection();
    } catch (err) {
      this.finished(op, token, err as Error);
      return Promise.reject(err as Error);
    }
    const call = new Call(this, token, op, key, write, request, opaqueAt, conn.id, interpret);
    call.itemSize = itemSize;
    const promise = call.promise();
    conn.enqueue(call);
    return promise;
  }

  /**
   * `getMany` as quiet reads (answered only on a hit) closed by one ordinary
   * request: one round trip for the lot, misses cost nothing on the wire.
   * `hit` turns a quiet read's reply into the item (undefined for a miss it
   * was answered with anyway), or throws; `closed` checks the closer's reply.
   */
  protected quietBatch(
    keys: readonly string[],
    quietGet: (key: string) => { readonly request: Buffer; readonly opaqueAt?: number | undefined },
    closer: { readonly request: Buffer; readonly opaqueAt?: number | undefined },
    hit: (r: R, key: string, session: number) => StoredItem | undefined,
    closed: (r: R | undefined) => void,
  ): Promise<Array<StoredItem | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.observe<Array<StoredItem | undefined>>(
      'getMany',
      (settle) => {
        const conn = this.connection();
        const results = new Array<StoredItem | undefined>(keys.length).fill(undefined);
        let failed = false;
        const onError = (err: Error): void => {
          if (!failed) settle.fail(err);
          failed = true;
        };
        keys.forEach((key, i) => {
          // Every field written out, those the connection sets later too: an
          // entry made by spreading and then grown is a slow, unshared shape
          // (getMany cost 5x the CPU of 100 gets that way).
          const quiet = quietGet(key);
          conn.enqueue({
            request: quiet.request,
            opaqueAt: quiet.opaqueAt,
            opaque: undefined,
            sent: undefined,
            deadline: undefined,
            op: 'getMany',
            key,
            write: false,
            quiet: true,
            onResponse: (r) => {
              if (r === undefined) return true;
              try {
                results[i] = hit(r, key, conn.id);
              } catch (err) {
                if (err instanceof MalformedReplyError) throw err;
                onError(err as Error);
              }
              return true;
            },
            onError,
          });
        });
        conn.enqueue({
          request: closer.request,
          opaqueAt: closer.opaqueAt,
          opaque: undefined,
          sent: undefined,
          deadline: undefined,
          op: 'getMany',
          key: '',
          write: false,
          quiet: false,
          onResponse: (r) => {
            closed(r);
            if (!failed) settle.done(results);
            return true;
          },
          onError,
        });
      },
      keys.length,
    );
  }

  /** Queues requests of one operation that needs several (getMany, stats). */
  protected send(pending: Pending<R>): Connection<R> {
    const conn = this.connection();
    conn.enqueue(pending);
    return conn;
  }

  /** The connection now (a new one if the last failed). */
  protected current(): Connection<R> {
    return this.connection();
  }

  /**
   * Runs an operation, telling the observer when it starts and how it ends
   * (`batchSize`: the keys of a pipeline of one request per key).
   */
  protected observe<T>(
    op: string,
    run: (settle: Settle<T>) => void,
    batchSize?: number,
  ): Promise<T> {
    const observer = this.observer;
    const token = observer?.start(op, batchSize);
    return new Promise<T>((resolve, reject) => {
      const settle: Settle<T> = {
        done: (value) => {
          observer?.finish(op, token, undefined);
          resolve(value);
        },
        fail: (error) => {
          this.finished(op, token, error);
          reject(error);
        },
      };
      try {
        run(settle);
      } catch (err) {
        settle.fail(err as Error);
      }
    });
  }

  /** An operation ended: a fresh refusal of the credentials is remembered, and the observer told. */
  finished(op: string, token: unknown, error: Error | undefined): void {
    // A fresh refusal starts the wait; the stored one rethrown must not extend it.
    if (error instanceof AuthenticationError && this.refusedCredentials?.error !== error) {
      this.refusedCredentials = { error, until: performance.now() + this.authRetryMs };
    }
    this.observer?.finish(op, token, error);
  }

  private connection(): Connection<R> {
    if (this.conn === undefined || this.conn.dead) {
      // A closed client never reconnects (an update sleeping in backoff would otherwise).
      if (this.closed) throw new ClientClosedError(`memcached ${this.address}`);
      // Wrong credentials stay wrong: no reconnect-and-fail loop.
      const refused = this.refusedCredentials;
      if (refused && performance.now() < refused.until) throw refused.error;
      this.refusedCredentials = undefined;
      this.conn = new Connection(this.options, this.transport(), ++this.sessions);
    }
    return this.conn;
  }
}
