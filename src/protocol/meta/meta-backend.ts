import {
  itemSize,
  type CounterRequest,
  type LeaseReply,
  type LeaseRequest,
  type NativeLeases,
  type StoredItem,
  type StoreRequest,
  type StoreResult,
} from '../../backend/index.js';
import { NonNumericValueError, ProtocolError, ValueTooLargeError } from '../../errors/index.js';
import { MAX_KEY_BYTES } from '../../keys/index.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import { NodeBackend } from '../node-backend.js';
import { MARK_STALE, MARK_TAKEN, MARK_WON, type MetaReply } from './meta-reader.js';
import {
  metaArithmetic,
  metaBare,
  metaDelete,
  metaGet,
  metaInvalidate,
  metaLeaseGet,
  metaSet,
  metaTouch,
  type MetaRequest,
} from './meta-request.js';
import { MetaTransport } from './meta-transport.js';

/** The most statistics one `stats` answer may carry (memcached sends under 100). */
const MAX_STATS = 1000;
const MODES = { set: 'S', add: 'E', replace: 'R' } as const;
// The answers the hot operations allow, made once (an array literal is made per call).
const HIT_OR_MISS: readonly string[] = ['VA', 'EN'];
const HIT: readonly string[] = ['VA'];
const STORE_ANSWERS: readonly string[] = ['HD', 'NS', 'EX', 'NF'];
/** The binary statuses of the same meaning as SERVER_ERROR (internal error) and CLIENT_ERROR (invalid arguments). */
const SERVER_ERROR_STATUS = 0x84;
const CLIENT_ERROR_STATUS = 0x04;
/** The least item size limit memcached accepts (`-I`). */
const LEAST_ITEM_LIMIT = 1024;

/** Whether a value this long could make an item over some memcached's limit (any shorter one fits every node). */
function mayExceedLimit(valueBytes: number): boolean {
  return itemSize(MAX_KEY_BYTES, valueBytes) > LEAST_ITEM_LIMIT;
}

/**
 * A {@link Backend} for one memcached node over the meta protocol
 * (memcached ≥ 1.6): `mg`, `ms`, `md`, `ma`, `mn`, with every reply matched by
 * its opaque and `getMany` as quiet `mg`s closed by `mn` (one round trip).
 */
export class MetaBackend extends NodeBackend<MetaReply> {
  protected transport(): MetaTransport {
    return new MetaTransport(this.options);
  }

  /** memcached's own leases: `mg … N R` answered with `W`/`Z`/`X`, and `md … I`. */
  readonly leases: NativeLeases = {
    read: (req) => this.leaseRead(req),
    invalidate: (key, cas, session) => this.invalidate(key, cas, session),
  };

  get(key: string): Promise<StoredItem | undefined> {
    return this.meta('get', key, false, metaGet(key), (r, session) =>
      this.expect(r, 'get', key, HIT_OR_MISS) === 'VA' ? item(r, session) : undefined,
    );
  }

  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    // Quiet mg's answer only hits; the mn behind them closes the batch.
    return this.quietBatch(
      keys,
      (key) => metaGet(key, true),
      metaBare('mn'),
      (r, key, session) =>
        this.expect(r, 'getMany', key, HIT) === 'VA' ? item(r, session) : undefined,
      (r) => {
        if (r?.word !== 'MN') throw unexpected(r, 'getMany');
      },
    );
  }

  store(req: StoreRequest): Promise<StoreResult> {
    const op = req.cas === 0n ? req.mode : 'cas';
    if (this.sessionChanged(req.session)) {
      this.observer?.conflict(op);
      return Promise.resolve({ outcome: 'exists', cas: 0n });
    }
    const request = metaSet(req.key, req.value, req.flags, req.ttl, req.cas, MODES[req.mode]);
    // Checked against the node's limit before sending: a refused ms unlinks the item.
    const size = mayExceedLimit(req.value.length)
      ? itemSize(Buffer.byteLength(req.key), req.value.length)
      : undefined;
    return this.meta(
      op,
      req.key,
      true,
      request,
      (r, session): StoreResult => {
        const word = this.expect(r, op, req.key, STORE_ANSWERS);
        if (word === 'HD') return { outcome: 'stored', cas: casOf(r), session };
        // NS: add found the key, or replace did not.
        const outcome =
          word === 'EX' || (word === 'NS' && req.mode === 'add') ? 'exists' : 'not_found';
        if (outcome === 'exists' && (op === 'cas' || op === 'add')) this.observer?.conflict(op);
        return { outcome, cas: 0n };
      },
      size,
    );
  }

  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'> {
    if (this.sessionChanged(session)) {
      this.observer?.conflict('delete');
      return Promise.resolve('exists');
    }
    return this.meta('delete', key, true, metaDelete(key, cas), (r) => {
      const word = this.expect(r, 'delete', key, ['HD', 'NF', 'EX']);
      if (word === 'EX') this.observer?.conflict('delete');
      return word === 'HD' ? 'deleted' : word === 'EX' ? 'exists' : 'not_found';
    });
  }

  incr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count('incr', false, req);
  }

  decr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count('decr', true, req);
  }

  touch(key: string, ttl: number): Promise<boolean> {
    return this.meta(
      'touch',
      key,
      true,
      metaTouch(key, ttl),
      (r) => this.expect(r, 'touch', key, ['HD', 'EN']) === 'HD',
    );
  }

  flush(): Promise<void> {
    return this.meta('flush', '', true, metaBare('flush_all'), (r) => {
      this.expect(r, 'flush', '', ['OK']);
    });
  }

  version(): Promise<string> {
    return this.meta('version', '', false, metaBare('version'), (r) => {
      this.expect(r, 'version', '', ['VERSION']);
      return r.tokens.join(' ');
    });
  }

  noop(): Promise<void> {
    return this.meta('noop', '', false, metaBare('mn'), (r) => {
      this.expect(r, 'noop', '', ['MN']);
    });
  }

  stats(): Promise<Record<string, string>> {
    return this.observe<Record<string, string>>('stats', (settle) => {
      const stats: Record<string, string> = {};
      let count = 0;
      this.send({
        request: metaBare('stats').request,
        op: 'stats',
        key: '',
        write: false,
        quiet: false,
        onResponse: (r) => {
          if (r?.word === 'END') {
            settle.done(stats);
            return true;
          }
          if (r?.word !== 'STAT' || r.tokens.length < 1) throw unexpected(r, 'stats');
          // memcached sends a few hundred short statistics; a stream of them is not.
          if (++count > MAX_STATS)
            throw new MalformedReplyError(`sent more than ${MAX_STATS} statistics`);
          stats[r.tokens[0] as string] = r.tokens.slice(1).join(' ');
          return false;
        },
        onError: (err) => settle.fail(err),
      });
    });
  }

  private leaseRead(req: LeaseRequest): Promise<LeaseReply> {
    const request = metaLeaseGet(req.key, req.vivifySeconds, req.recacheSeconds);
    // A write: on a miss it makes the placeholder that holds the lease.
    return this.meta('lease_get', req.key, true, request, (r, session): LeaseReply => {
      if (this.expect(r, 'lease_get', req.key, ['VA', 'EN']) === 'EN') {
        // memcached could not make the placeholder (out of memory): no lease for anyone.
        return { item: undefined, won: false, taken: false, stale: false, ttl: -1 };
      }
      return {
        item: item(r, session),
        won: (r.marks & MARK_WON) !== 0,
        taken: (r.marks & MARK_TAKEN) !== 0,
        stale: (r.marks & MARK_STALE) !== 0,
        ttl: r.ttl ?? -1,
      };
    });
  }

  private invalidate(
    key: string,
    cas: bigint,
    session?: number,
  ): Promise<'invalidated' | 'exists' | 'not_found'> {
    if (this.sessionChanged(session)) return Promise.resolve('exists');
    return this.meta('invalidate', key, true, metaInvalidate(key, cas), (r) => {
      const word = this.expect(r, 'invalidate', key, ['HD', 'NF', 'EX']);
      return word === 'HD' ? 'invalidated' : word === 'EX' ? 'exists' : 'not_found';
    });
  }

  private count(
    op: 'incr' | 'decr',
    decrement: boolean,
    req: CounterRequest,
  ): Promise<bigint | undefined> {
    const request = metaArithmetic(req.key, decrement, req.delta, req.initial, req.ttl);
    return this.meta(op, req.key, true, request, (r) => {
      if (this.expect(r, op, req.key, ['VA', 'NF']) === 'NF') return undefined;
      const text = r.value?.toString('latin1') ?? '';
      if (!/^\d{1,20}$/.test(text)) {
        throw new MalformedReplyError(`answered ${op} with the counter ${JSON.stringify(text)}`);
      }
      return BigInt(text);
    });
  }

  private meta<T>(
    op: string,
    key: string,
    write: boolean,
    { request, opaqueAt }: MetaRequest,
    interpret: (r: MetaReply, session: number) => T,
    itemSize?: number,
  ): Promise<T> {
    return this.call(op, key, write, request, interpret, opaqueAt, itemSize);
  }

  /**
   * The one place meta replies become results or errors, by their first
   * word: one of `allowed` is returned; an error line becomes the matching
   * error; anything else breaks the protocol.
   */
  private expect(r: MetaReply, op: string, key: string, allowed: readonly string[]): string {
    if (allowed.includes(r.word)) return r.word;
    const what = key === '' ? op : `${op} ${JSON.stringify(key)}`;
    const detail = r.tokens.join(' ');
    if (r.word === 'SERVER_ERROR' || r.word === 'CLIENT_ERROR') {
      // The text protocols carry errors as words and free text; these two
      // texts are memcached's own and the only ones callers handle differently.
      if (detail.startsWith('object too large')) {
        throw new ValueTooLargeError(key, undefined, undefined, `memcached ${this.address}`);
      }
      if (detail.includes('non-numeric value')) {
        throw new NonNumericValueError(key, `memcached ${this.address}`);
      }
      // A status, as binary's would carry: memcached answered (the node is up, the stream sound).
      throw new ProtocolError(
        `memcached ${this.address} answered ${what} with ${r.word} ${detail}`,
        r.word === 'SERVER_ERROR' ? SERVER_ERROR_STATUS : CLIENT_ERROR_STATUS,
      );
    }
    throw unexpected(r, what);
  }
}

function item(r: MetaReply, session: number): StoredItem {
  const flags = r.flags;
  if (r.value === undefined || flags === undefined || flags > 0xffffffff) {
    throw new MalformedReplyError(`sent a hit without its value or client flags`);
  }
  return { value: r.value, flags, cas: casOf(r), session };
}

function casOf(r: MetaReply): bigint {
  if (r.cas === undefined) throw new MalformedReplyError(`sent a ${r.word} reply without its CAS`);
  return r.cas;
}

function unexpected(r: MetaReply | undefined, what: string): MalformedReplyError {
  return new MalformedReplyError(
    `answered ${what} with ${r === undefined ? 'nothing' : [r.word, ...r.tokens].join(' ')}` +
      (r?.opaque === undefined ? '' : ` (opaque ${r.opaque})`),
  );
}
