import type {
  Backend,
  CounterRequest,
  StoredItem,
  StoreRequest,
  StoreResult,
} from '../backend/index.js';
import { Connection, type ConnectionOptions, type Pending } from './connection.js';
import { Opcode } from './opcodes.js';
import {
  encodeBare,
  encodeCounter,
  encodeDelete,
  encodeGet,
  encodeStore,
  encodeTouch,
} from './request.js';
import type { Response } from './response.js';
import { AuthenticationError } from '../errors/index.js';
import { statusMeaning } from './status.js';

const STORE_OPCODES = { set: Opcode.SET, add: Opcode.ADD, replace: Opcode.REPLACE } as const;

function item(r: Response): StoredItem {
  return { value: r.value, flags: r.flags, cas: r.cas };
}

/**
 * A {@link Backend} for one memcached node over the binary protocol. Holds one
 * pipelined {@link Connection}; when it fails, the next request opens a new one.
 * It does not retry anything itself.
 */
export class MemcachedBackend implements Backend {
  readonly address: string;
  private conn: Connection | undefined;
  private refusedCredentials: { error: AuthenticationError; until: number } | undefined;

  /**
   * @param options - where and how to connect
   * @param authRetryMs - after the server refuses the credentials, how long calls fail at once before connecting again
   */
  constructor(
    private readonly options: ConnectionOptions,
    private readonly authRetryMs = 1000,
  ) {
    this.address = `${options.host}:${options.port}`;
  }

  async get(key: string): Promise<StoredItem | undefined> {
    const r = await this.call('get', key, false, encodeGet(key));
    return statusMeaning(r.status, this.address, 'get', key) === 'ok' ? item(r) : undefined;
  }

  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const conn = this.connection();
      const results = new Array<StoredItem | undefined>(keys.length).fill(undefined);
      let failed = false;
      const onError = (err: Error): void => {
        this.noteFailure(err);
        if (!failed) reject(err);
        failed = true;
      };
      // Quiet gets answer only hits; the NOOP behind them closes the batch.
      keys.forEach((key, i) => {
        conn.enqueue({
          request: encodeGet(key, true),
          op: 'getMany',
          key,
          write: false,
          quiet: true,
          onResponse: (r) => {
            if (r) {
              try {
                if (statusMeaning(r.status, this.address, 'getMany', key) === 'ok')
                  results[i] = item(r);
              } catch (err) {
                onError(err as Error);
              }
            }
            return true;
          },
          onError,
        });
      });
      conn.enqueue({
        request: encodeBare(Opcode.NOOP),
        op: 'getMany',
        key: '',
        write: false,
        quiet: false,
        onResponse: () => {
          if (!failed) resolve(results);
          return true;
        },
        onError,
      });
    });
  }

  async store(req: StoreRequest): Promise<StoreResult> {
    const request = encodeStore(
      STORE_OPCODES[req.mode],
      req.key,
      req.value,
      req.flags,
      req.ttl,
      req.cas,
    );
    const op = req.cas === 0n ? req.mode : 'cas';
    const r = await this.call(op, req.key, true, request);
    const meaning = statusMeaning(r.status, this.address, op, req.key);
    if (meaning === 'ok') return { outcome: 'stored', cas: r.cas };
    return { outcome: meaning, cas: 0n };
  }

  async delete(key: string, cas: bigint): Promise<'deleted' | 'exists' | 'not_found'> {
    const r = await this.call('delete', key, true, encodeDelete(key, cas));
    const meaning = statusMeaning(r.status, this.address, 'delete', key);
    return meaning === 'ok' ? 'deleted' : meaning;
  }

  incr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(Opcode.INCREMENT, 'incr', req);
  }

  decr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(Opcode.DECREMENT, 'decr', req);
  }

  async touch(key: string, ttl: number): Promise<boolean> {
    const r = await this.call('touch', key, true, encodeTouch(key, ttl));
    return statusMeaning(r.status, this.address, 'touch', key) === 'ok';
  }

  async flush(): Promise<void> {
    const r = await this.call('flush', '', true, encodeBare(Opcode.FLUSH));
    statusMeaning(r.status, this.address, 'flush', '');
  }

  async version(): Promise<string> {
    const r = await this.call('version', '', false, encodeBare(Opcode.VERSION));
    statusMeaning(r.status, this.address, 'version', '');
    return r.value.toString('latin1');
  }

  async noop(): Promise<void> {
    const r = await this.call('noop', '', false, encodeBare(Opcode.NOOP));
    statusMeaning(r.status, this.address, 'noop', '');
  }

  stats(): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const stats: Record<string, string> = {};
      // STAT answers once per statistic and ends with an empty key.
      this.connection().enqueue({
        request: encodeBare(Opcode.STAT),
        op: 'stats',
        key: '',
        write: false,
        quiet: false,
        onResponse: (r) => {
          if (!r) return false;
          if (r.key.length === 0) {
            resolve(stats);
            return true;
          }
          stats[r.key.toString('latin1')] = r.value.toString('latin1');
          return false;
        },
        onError: (err) => {
          this.noteFailure(err);
          reject(err);
        },
      });
    });
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
  }

  private async count(
    opcode: number,
    op: string,
    req: CounterRequest,
  ): Promise<bigint | undefined> {
    const r = await this.call(
      op,
      req.key,
      true,
      encodeCounter(opcode, req.key, req.delta, req.initial, req.ttl),
    );
    if (statusMeaning(r.status, this.address, op, req.key) !== 'ok') return undefined;
    return r.value.readBigUInt64BE(0);
  }

  private call(op: string, key: string, write: boolean, request: Buffer): Promise<Response> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => {
        this.noteFailure(err);
        reject(err);
      };
      const p: Pending = {
        request,
        op,
        key,
        write,
        quiet: false,
        onResponse: (r) => {
          resolve(r as Response);
          return true;
        },
        onError: failed,
      };
      this.connection().enqueue(p);
    });
  }

  private noteFailure(err: Error): void {
    if (err instanceof AuthenticationError) {
      this.refusedCredentials = { error: err, until: performance.now() + this.authRetryMs };
    }
  }

  private connection(): Connection {
    if (this.conn === undefined || this.conn.dead) {
      // Wrong credentials stay wrong: no reconnect-and-fail loop.
      const refused = this.refusedCredentials;
      if (refused && performance.now() < refused.until) throw refused.error;
      this.refusedCredentials = undefined;
      this.conn = new Connection(this.options);
    }
    return this.conn;
  }
}
