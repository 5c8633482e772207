import { encodeResponse, OP, STATUS, type BinaryRequest } from './binary-frames.js';

/** One stored item of a {@link BaselineStore}. */
export interface BaselineItem {
  /** The value bytes. */
  readonly value: Buffer;
  /** The client's flags. */
  readonly flags: number;
  /** The item's CAS token. */
  readonly cas: bigint;
}

/** The version string a {@link BaselineStore} answers VERSION with. */
export const BASELINE_VERSION = '1.6.0-hostile';

const U64 = (1n << 64n) - 1n;
/** Counter expiry that tells memcached not to create a missing key. */
const NO_CREATE = 0xffffffff;

/**
 * A correct, minimal memcached behind the binary protocol: an in-memory item
 * map and the answers real memcached gives to GET, GETQ, SET, ADD, REPLACE
 * (with CAS), DELETE (with CAS), INCR, DECR, TOUCH, FLUSH, NOOP, VERSION and
 * STAT; any other opcode gets UNKNOWN_COMMAND. Expiry is accepted and
 * ignored. Hostile behaviours are written as "this, except …".
 */
export class BaselineStore {
  /** The items, by key; tests may seed or inspect it. */
  readonly items = new Map<string, BaselineItem>();
  private nextCas = 100n;

  /**
   * Applies a request and returns the bytes memcached would answer: usually
   * one frame, several for STAT, none for a GETQ miss.
   */
  reply(req: BinaryRequest): Buffer {
    const answer = (
      status: number,
      fields: { cas?: bigint; extras?: Buffer; key?: string; value?: Buffer | string } = {},
    ): Buffer => encodeResponse({ opcode: req.opcode, opaque: req.opaque, status, ...fields });
    const item = this.items.get(req.key);
    switch (req.opcode) {
      case OP.GET:
      case OP.GETQ: {
        if (item === undefined) {
          return req.opcode === OP.GETQ
            ? Buffer.alloc(0)
            : answer(STATUS.KEY_NOT_FOUND, { value: 'Not found' });
        }
        return answer(STATUS.OK, { cas: item.cas, extras: u32(item.flags), value: item.value });
      }
      case OP.SET:
      case OP.ADD:
      case OP.REPLACE: {
        if (req.opcode === OP.ADD && item !== undefined)
          return answer(STATUS.KEY_EXISTS, { value: 'Data exists for key.' });
        if ((req.opcode === OP.REPLACE || req.cas !== 0n) && item === undefined)
          return answer(STATUS.KEY_NOT_FOUND, { value: 'Not found' });
        if (req.cas !== 0n && item?.cas !== req.cas)
          return answer(STATUS.KEY_EXISTS, { value: 'Data exists for key.' });
        const cas = this.bump();
        this.items.set(req.key, { value: req.value, flags: req.extras.readUInt32BE(0), cas });
        return answer(STATUS.OK, { cas });
      }
      case OP.DELETE: {
        if (item === undefined) return answer(STATUS.KEY_NOT_FOUND, { value: 'Not found' });
        if (req.cas !== 0n && item.cas !== req.cas)
          return answer(STATUS.KEY_EXISTS, { value: 'Data exists for key.' });
        this.items.delete(req.key);
        return answer(STATUS.OK);
      }
      case OP.INCREMENT:
      case OP.DECREMENT:
        return this.count(req, item, answer);
      case OP.TOUCH: {
        if (item === undefined) return answer(STATUS.KEY_NOT_FOUND, { value: 'Not found' });
        return answer(STATUS.OK, { cas: item.cas });
      }
      case OP.FLUSH:
        this.items.clear();
        return answer(STATUS.OK);
      case OP.NOOP:
        return answer(STATUS.OK);
      case OP.VERSION:
        return answer(STATUS.OK, { value: BASELINE_VERSION });
      case OP.STAT: {
        // One frame per statistic, then one with an empty key that ends the list.
        const stats: Array<[string, string]> = [
          ['version', BASELINE_VERSION],
          ['curr_items', String(this.items.size)],
        ];
        return Buffer.concat([
          ...stats.map(([key, value]) => answer(STATUS.OK, { key, value })),
          answer(STATUS.OK),
        ]);
      }
      default:
        return answer(STATUS.UNKNOWN_COMMAND, { value: 'Unknown command' });
    }
  }

  private count(
    req: BinaryRequest,
    item: BaselineItem | undefined,
    answer: (status: number, fields?: { cas?: bigint; value?: Buffer | string }) => Buffer,
  ): Buffer {
    const delta = req.extras.readBigUInt64BE(0);
    const initial = req.extras.readBigUInt64BE(8);
    const expiry = req.extras.readUInt32BE(16);
    let next: bigint;
    if (item === undefined) {
      if (expiry === NO_CREATE) return answer(STATUS.KEY_NOT_FOUND, { value: 'Not found' });
      next = initial;
    } else {
      const text = item.value.toString('latin1');
      if (!/^\d{1,20}$/.test(text) || BigInt(text) > U64) {
        return answer(STATUS.NON_NUMERIC, {
          value: 'Non-numeric server-side value for incr or decr',
        });
      }
      const current = BigInt(text);
      next =
        req.opcode === OP.INCREMENT
          ? (current + delta) & U64
          : current > delta
            ? current - delta
            : 0n;
    }
    const cas = this.bump();
    this.items.set(req.key, { value: Buffer.from(String(next)), flags: item?.flags ?? 0, cas });
    const body = Buffer.alloc(8);
    body.writeBigUInt64BE(next);
    return answer(STATUS.OK, { cas, value: body });
  }

  private bump(): bigint {
    return this.nextCas++;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
