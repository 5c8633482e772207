import type { CounterRequest, StoredItem, StoreRequest, StoreResult } from '../../backend/index.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import { NodeBackend } from '../node-backend.js';
import { BinaryTransport } from './binary-transport.js';
import { Opcode, statusMeaning } from './opcodes.js';
import {
  encodeBare,
  encodeCounter,
  encodeDelete,
  encodeGet,
  encodeStore,
  encodeTouch,
} from './request.js';
import type { Response } from './response.js';

/** The most statistics one `stats` answer may carry (memcached sends under 100). */
const MAX_STATS = 1000;
/** The most bytes of statistics one `stats` answer may carry. */
const MAX_STATS_BYTES = 256 * 1024;

const STORE_OPCODES = { set: Opcode.SET, add: Opcode.ADD, replace: Opcode.REPLACE } as const;

function item(r: Response, session: number): StoredItem {
  // A hit carries its flags in 4 bytes of extras; anything else is not memcached's answer.
  if (r.extrasLength !== 4) {
    throw new MalformedReplyError(`sent a hit with ${r.extrasLength} bytes of extras (expected 4)`);
  }
  return { value: r.value, flags: r.flags, cas: r.cas, session };
}

/**
 * A {@link Backend} for one memcached node over the binary protocol: each
 * operation as binary requests and the reading of their replies. Connection,
 * observation and sessions are {@link NodeBackend}'s.
 */
export class BinaryBackend extends NodeBackend<Response> {
  /** None of its own: `getOrCompute` builds leases from `add` and CAS (src/compute/). */
  readonly leases = undefined;

  protected transport(): BinaryTransport {
    return new BinaryTransport(this.options);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return this.call('get', key, false, encodeGet(key), (r, session) =>
      statusMeaning(r.status, this.address, 'get', key) === 'ok' ? item(r, session) : undefined,
    );
  }

  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    // Quiet gets (GETQ) answer only hits; the NOOP behind them closes the batch.
    return this.quietBatch(
      keys,
      (key) => ({ request: encodeGet(key, true) }),
      { request: encodeBare(Opcode.NOOP) },
      (r, key, session) =>
        statusMeaning(r.status, this.address, 'getMany', key) === 'ok'
          ? item(r, session)
          : undefined,
      () => undefined,
    );
  }

  store(req: StoreRequest): Promise<StoreResult> {
    const op = req.cas === 0n ? req.mode : 'cas';
    if (this.sessionChanged(req.session)) {
      this.observer?.conflict(op);
      return Promise.resolve({ outcome: 'exists', cas: 0n });
    }
    const request = encodeStore(
      STORE_OPCODES[req.mode],
      req.key,
      req.value,
      req.flags,
      req.ttl,
      req.cas,
    );
    return this.call(op, req.key, true, request, (r, session): StoreResult => {
      const meaning = statusMeaning(r.status, this.address, op, req.key);
      if (meaning === 'ok') return { outcome: 'stored', cas: r.cas, session };
      if (meaning === 'exists' && (op === 'cas' || op === 'add')) this.observer?.conflict(op);
      return { outcome: meaning, cas: 0n };
    });
  }

  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'> {
    if (this.sessionChanged(session)) {
      this.observer?.conflict('delete');
      return Promise.resolve('exists');
    }
    return this.call('delete', key, true, encodeDelete(key, cas), (r) => {
      const meaning = statusMeaning(r.status, this.address, 'delete', key);
      if (meaning === 'exists') this.observer?.conflict('delete');
      return meaning === 'ok' ? 'deleted' : meaning;
    });
  }

  incr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(Opcode.INCREMENT, 'incr', req);
  }

  decr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(Opcode.DECREMENT, 'decr', req);
  }

  touch(key: string, ttl: number): Promise<boolean> {
    return this.call('touch', key, true, encodeTouch(key, ttl), (r) => {
      return statusMeaning(r.status, this.address, 'touch', key) === 'ok';
    });
  }

  flush(): Promise<void> {
    return this.call('flush', '', true, encodeBare(Opcode.FLUSH), (r) => {
      statusMeaning(r.status, this.address, 'flush', '');
    });
  }

  version(): Promise<string> {
    return this.call('version', '', false, encodeBare(Opcode.VERSION), (r) => {
      statusMeaning(r.status, this.address, 'version', '');
      return r.value.toString('latin1');
    });
  }

  noop(): Promise<void> {
    return this.call('noop', '', false, encodeBare(Opcode.NOOP), (r) => {
      statusMeaning(r.status, this.address, 'noop', '');
    });
  }

  stats(): Promise<Record<string, string>> {
    return this.observe<Record<string, string>>('stats', (settle) => {
      const stats: Record<string, string> = {};
      let count = 0;
      let bytes = 0;
      // STAT answers once per statistic and ends with an empty key.
      this.send({
        request: encodeBare(Opcode.STAT),
        op: 'stats',
        key: '',
        write: false,
        quiet: false,
        onResponse: (r) => {
          if (!r) return false;
          if (r.key.length === 0) {
            settle.done(stats);
            return true;
          }
          // memcached sends a few hundred short statistics; a stream of them is not.
          bytes += r.key.length + r.value.length;
          if (++count > MAX_STATS || bytes > MAX_STATS_BYTES) {
            throw new MalformedReplyError(
              `sent more than ${MAX_STATS} statistics or ${MAX_STATS_BYTES} bytes of them`,
            );
          }
          stats[r.key.toString('latin1')] = r.value.toString('latin1');
          return false;
        },
        onError: (err) => settle.fail(err),
      });
    });
  }

  private count(opcode: number, op: string, req: CounterRequest): Promise<bigint | undefined> {
    const request = encodeCounter(opcode, req.key, req.delta, req.initial, req.ttl);
    return this.call(op, req.key, true, request, (r) => {
      if (statusMeaning(r.status, this.address, op, req.key) !== 'ok') return undefined;
      if (r.value.length !== 8) {
        throw new MalformedReplyError(
          `answered ${op} with a ${r.value.length}-byte counter (expected 8)`,
        );
      }
      return r.value.readBigUInt64BE(0);
    });
  }
}
