import type { CounterRequest, StoredItem, StoreRequest, StoreResult } from '../../backend/index.js';
import { CasConflictError, UnsupportedOperationError } from '../../errors/index.js';
import type { Connection } from '../connection.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import { NodeBackend } from '../node-backend.js';
import type { TextEndReply, TextReply, TextValue } from './text-reply.js';
import {
  textBare,
  textCounter,
  textDelete,
  textGets,
  textGetsMany,
  textStore,
  textTouch,
} from './text-request.js';
import { expectReply } from './text-status.js';
import { TextTransport } from './text-transport.js';

/**
 * The session of the token a text-protocol write hands back. A storage
 * command's answer carries no CAS, so that token has none (its value is 0n);
 * no connection has this number (NodeBackend counts from 1), so a `cas()`
 * with it is a conflict and never an unguarded write.
 */
const NO_SESSION = -1;
/**
 * The largest exptime the text protocol carries: memcached reads it as a
 * signed 32-bit number, and a larger one (a Unix time past 2038-01-19) wraps
 * to the past, so the item is stored already expired, silently.
 */
const MAX_EXPTIME = 0x7fffffff;
/**
 * The round trip `noop` makes: a `get` of a key no one uses. Every proxy
 * passes `get` on (twemproxy closes the connection on `version` before
 * 0.5.0, and on `stats` and `flush_all` still), and a miss costs memcached a
 * hash lookup.
 */
const NOOP_REQUEST = textGets('__memcas_noop__');
/** Rounds of `incr` → NOT_FOUND → `add` → NOT_STORED before giving up (each needs a concurrent create and delete). */
const MAX_COUNTER_ROUNDS = 10;

function item(v: TextValue, session: number): StoredItem {
  if (v.cas === undefined) {
    throw new MalformedReplyError(
      `answered gets with a VALUE for ${JSON.stringify(v.key)} without its CAS token`,
    );
  }
  return { value: v.value, flags: v.flags, cas: v.cas, session };
}

/**
 * A {@link Backend} for one memcached node, or one proxy (twemproxy,
 * mcrouter), over memcached's classic text protocol. Replies are matched in
 * order; `getMany` is one `gets k1 k2 …` per 16 KB of keys (one round trip).
 *
 * Where the protocol has no safe command, memcas does not fake one:
 * - a CAS-guarded delete (and so `update()` returning `remove`) is refused
 *   with {@link UnsupportedOperationError}: nothing is sent;
 * - a storage command's answer carries no CAS: the token a write hands back
 *   has the value 0n and makes any `cas()` with it a conflict (read with
 *   `gets` for a usable one);
 * - an expiry past 2^31-1 (a Unix time after 2038-01-19), which memcached
 *   would store as already expired, is refused;
 * - `incr`/`decr` with an initial value is composed: see {@link TextBackend.incr}.
 *
 * Through twemproxy, `stats` and `flush_all` are not passed on: the proxy
 * closes the connection.
 */
export class TextBackend extends NodeBackend<TextReply> {
  /** None of its own: `getOrCompute` builds leases from `add` and CAS (src/compute/). */
  readonly leases = undefined;

  protected transport(): TextTransport {
    return new TextTransport(this.options);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return this.call('get', key, false, textGets(key), (r, session) => {
      const values = this.values(r, 'get', key).values;
      if (values.length === 0) return undefined;
      const v = values[0] as TextValue;
      if (values.length > 1 || v.key !== key) {
        throw new MalformedReplyError(
          `answered gets ${JSON.stringify(key)} with ${values.length} values, the first for ${JSON.stringify(v.key)}`,
        );
      }
      return item(v, session);
    });
  }

  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.observe<Array<StoredItem | undefined>>('getMany', (settle) => {
      const conn = this.current();
      const results = new Array<StoredItem | undefined>(keys.length).fill(undefined);
      const commands = textGetsMany(keys);
      let left = commands.length;
      let failed = false;
      const fail = (err: Error): void => {
        if (!failed) settle.fail(err);
        failed = true;
      };
      for (const { request, indexes } of commands) {
        const key = indexes.length === 1 ? (keys[indexes[0] as number] as string) : '';
        this.enqueue(conn, 'getMany', key, false, request, fail, (r) => {
          const values = this.values(r, 'getMany', key).values;
          // Matched by key, not position: memcached answers hits only, and a
          // proxy may gather its servers' answers in another order.
          const asked = new Map<string, number[]>();
          for (const i of indexes) {
            const k = keys[i] as string;
            const at = asked.get(k);
            if (at === undefined) asked.set(k, [i]);
            else at.push(i);
          }
          if (values.length > indexes.length) {
            throw new MalformedReplyError(
              `answered a gets of ${indexes.length} keys with ${values.length} values`,
            );
          }
          for (const v of values) {
            const at = asked.get(v.key);
            if (at === undefined) {
              throw new MalformedReplyError(
                `answered gets with a value for ${JSON.stringify(v.key)}, a key it was not asked for`,
              );
            }
            const hit = item(v, conn.id);
            for (const i of at) results[i] = hit;
          }
          if (--left === 0 && !failed) settle.done(results);
        });
      }
    });
  }

  store(req: StoreRequest): Promise<StoreResult> {
    const guarded = req.cas !== 0n || req.session !== undefined;
    const op = guarded ? 'cas' : req.mode;
    // A token without a CAS number (a text write's; memcached -C hands out 0)
    // guards nothing: sent as a plain replace it would overwrite blindly.
    if (this.sessionChanged(req.session) || (guarded && req.cas === 0n)) {
      this.observer?.conflict(op);
      return Promise.resolve({ outcome: 'exists', cas: 0n });
    }
    if (req.ttl > MAX_EXPTIME) return this.refuseExpiry(op, req.key, req.ttl);
    const command = guarded ? 'cas' : req.mode;
    const request = textStore(command, req.key, req.value, req.flags, req.ttl, req.cas);
    return this.call(op, req.key, true, request, (r): StoreResult => {
      const a =
        command === 'cas'
          ? expectReply(r, ['STORED', 'EXISTS', 'NOT_FOUND'], this.address, op, req.key)
          : expectReply(r, ['STORED', 'NOT_STORED'], this.address, op, req.key);
      if (a.word === 'STORED') return { outcome: 'stored', cas: 0n, session: NO_SESSION };
      // NOT_STORED: add found the key, or replace did not.
      const outcome =
        a.word === 'EXISTS' || (a.word === 'NOT_STORED' && req.mode === 'add')
          ? 'exists'
          : 'not_found';
      if (outcome === 'exists') this.observer?.conflict(op);
      return { outcome, cas: 0n };
    });
  }

  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'> {
    if (cas !== 0n || session !== undefined) {
      return this.observe('delete', (settle) =>
        settle.fail(
          new UnsupportedOperationError(
            'delete',
            'text',
            `delete ${JSON.stringify(key)} with a CAS token (as update() does to remove a key) ` +
              `was not sent to memcached ${this.address}: the classic text protocol has no ` +
              'CAS-guarded delete, and an unguarded one could delete a value written since the ' +
              "read. Use protocol 'meta' or 'binary' for this server, or delete without a token",
          ),
        ),
      );
    }
    return this.call('delete', key, true, textDelete(key), (r) => {
      const a = expectReply(r, ['DELETED', 'NOT_FOUND'], this.address, 'delete', key);
      return a.word === 'DELETED' ? 'deleted' : 'not_found';
    });
  }

  /**
   * `incr`. With `initial`, composed from three commands, since the text
   * protocol cannot create a missing counter: `incr`; on NOT_FOUND, `add` the
   * initial value (decimal, flags 0, the request's TTL: what memcached's own
   * create-on-miss writes) and answer it; if that `add` finds the key
   * (another client created it in between), `incr` again. Each step is
   * atomic on the server, so no increment is lost or counted twice; only if
   * the key is deleted again between every `add` and `incr`, for
   * {@link MAX_COUNTER_ROUNDS} rounds, does it give up with a retryable
   * {@link CasConflictError}.
   */
  incr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count('incr', req);
  }

  /** `decr`, composed like {@link TextBackend.incr} when `initial` is given. */
  decr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count('decr', req);
  }

  touch(key: string, ttl: number): Promise<boolean> {
    if (ttl > MAX_EXPTIME) return this.refuseExpiry('touch', key, ttl);
    return this.call('touch', key, true, textTouch(key, ttl), (r) => {
      return (
        expectReply(r, ['TOUCHED', 'NOT_FOUND'], this.address, 'touch', key).word === 'TOUCHED'
      );
    });
  }

  flush(): Promise<void> {
    return this.call('flush', '', true, textBare('flush_all'), (r) => {
      expectReply(r, ['OK'], this.address, 'flush', '');
    });
  }

  version(): Promise<string> {
    return this.call('version', '', false, textBare('version'), (r) => {
      return expectReply(r, ['VERSION'], this.address, 'version', '').version;
    });
  }

  noop(): Promise<void> {
    return this.call('noop', '', false, NOOP_REQUEST, (r) => {
      this.values(r, 'noop', '');
    });
  }

  stats(): Promise<Record<string, string>> {
    return this.call('stats', '', false, textBare('stats'), (r) => {
      const end = expectReply(r, ['END'], this.address, 'stats', '');
      if (end.values.length > 0) throw new MalformedReplyError('answered stats with VALUE blocks');
      return Object.fromEntries(end.stats);
    });
  }

  private count(op: 'incr' | 'decr', req: CounterRequest): Promise<bigint | undefined> {
    if (req.initial !== undefined && req.ttl > MAX_EXPTIME) {
      return this.refuseExpiry(op, req.key, req.ttl);
    }
    return this.observe<bigint | undefined>(op, (settle) => {
      // Every step on the connection of the first: after close() began, its
      // in-flight requests still settle, but no new connection is made.
      const conn = this.current();
      const fail = (err: Error): void => settle.fail(err);
      const initial = req.initial;
      let rounds = 0;
      const change = (): void =>
        this.enqueue(conn, op, req.key, true, textCounter(op, req.key, req.delta), fail, (r) => {
          const a = expectReply(r, ['NUMBER', 'NOT_FOUND'], this.address, op, req.key);
          if (a.word === 'NUMBER') return settle.done(a.value);
          if (initial === undefined) return settle.done(undefined);
          create(initial);
        });
      const create = (initial: bigint): void => {
        const value = Buffer.from(initial.toString(), 'latin1');
        const request = textStore('add', req.key, value, 0, req.ttl, 0n);
        this.enqueue(conn, op, req.key, true, request, fail, (r) => {
          const a = expectReply(r, ['STORED', 'NOT_STORED'], this.address, op, req.key);
          if (a.word === 'STORED') return settle.done(initial);
          // Someone created it since our incr: count on theirs.
          if (++rounds < MAX_COUNTER_ROUNDS) return change();
          settle.fail(new CasConflictError(req.key, 'not_found', rounds));
        });
      };
      change();
    });
  }

  /** The values of a `gets` reply. */
  private values(r: TextReply, op: string, key: string): TextEndReply {
    const end = expectReply(r, ['END'], this.address, op, key);
    if (end.stats.length > 0) throw new MalformedReplyError(`answered ${op} with STAT lines`);
    return end;
  }

  /** Sends one command of a multi-command operation on `conn`, its errors to `fail`. */
  private enqueue(
    conn: Connection<TextReply>,
    op: string,
    key: string,
    write: boolean,
    request: Buffer,
    fail: (err: Error) => void,
    onReply: (r: TextReply) => void,
  ): void {
    conn.enqueue({
      request,
      op,
      key,
      write,
      quiet: false,
      onResponse: (r) => {
        try {
          onReply(r as TextReply);
        } catch (err) {
          if (err instanceof MalformedReplyError) throw err;
          fail(err as Error);
        }
        return true;
      },
      onError: fail,
    });
  }

  private refuseExpiry<T>(op: string, key: string, ttl: number): Promise<T> {
    return this.observe<T>(op, (settle) =>
      settle.fail(
        new UnsupportedOperationError(
          op,
          'text',
          `${op} ${JSON.stringify(key)} was not sent to memcached ${this.address}: the expiry ` +
            `${ttl} is a Unix time past 2038-01-19, which the text protocol's 32-bit exptime ` +
            "cannot carry (memcached would store the item already expired). Use protocol 'meta' " +
            "or 'binary', or an earlier expiry",
        ),
      ),
    );
  }
}
