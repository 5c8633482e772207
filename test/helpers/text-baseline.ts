import type { LineRequest } from './line-requests.js';

/** One stored item of a line-protocol baseline. */
export interface LineItem {
  /** The value bytes. */
  readonly value: Buffer;
  /** The client's flags. */
  readonly flags: number;
  /** The item's CAS token. */
  readonly cas: bigint;
}

/** The items a baseline answers from, and its CAS counter. */
export interface ItemStore {
  /** The items, by key. */
  readonly items: Map<string, LineItem>;
  /** A fresh CAS number. */
  bump(): bigint;
}

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffff;

/** memcached's line for a bad command line. */
export const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
/** memcached's line for incr/decr of a value that is not a decimal number. */
export const NON_NUMERIC = 'CLIENT_ERROR cannot increment or decrement non-numeric value';

/** A line and its CRLF, as bytes. */
export function crlf(line: string): Buffer {
  return Buffer.from(`${line}\r\n`, 'utf8');
}

/** A value's data block, its CRLF included. */
export function block(value: Buffer): Buffer {
  return Buffer.concat([value, Buffer.from('\r\n', 'latin1')]);
}

/** An unsigned decimal that fits `max`, or undefined. */
export function unsigned(word: string | undefined, max: bigint = U64): bigint | undefined {
  if (word === undefined || !/^\d{1,20}$/.test(word)) return undefined;
  const n = BigInt(word);
  return n <= max ? n : undefined;
}

/**
 * memcached's incr/decr on `item`: the new number, or undefined when the
 * stored value is not a decimal that fits 64 bits. incr wraps at 2^64; decr
 * stops at 0.
 */
export function applyDelta(item: LineItem, delta: bigint, decrement: boolean): bigint | undefined {
  const current = unsigned(item.value.toString('latin1'));
  if (current === undefined) return undefined;
  if (!decrement) return (current + delta) & U64;
  return current > delta ? current - delta : 0n;
}

/**
 * The answer memcached's classic text protocol gives `req`, applied to
 * `store`: `get`/`gets` (several keys), `set`/`add`/`replace`/`append`/
 * `prepend`/`cas`, `delete`, `incr`/`decr`, `touch` (a negative expiry
 * stores an item already expired, as memcached does; other expiries are
 * accepted and ignored; `noreply` honoured). Undefined for a command it does
 * not know.
 */
export function textReply(store: ItemStore, req: LineRequest): Buffer | undefined {
  const { items } = store;
  const args = req.args;
  const noreply = args[args.length - 1] === 'noreply';
  const answer = (line: string): Buffer => (noreply ? Buffer.alloc(0) : crlf(line));
  switch (req.command) {
    case 'get':
    case 'gets': {
      if (args.length === 0) return crlf('ERROR');
      const hits = args.flatMap((key) => {
        const item = items.get(key);
        if (item === undefined) return [];
        const cas = req.command === 'gets' ? ` ${item.cas}` : '';
        return [crlf(`VALUE ${key} ${item.flags} ${item.value.length}${cas}`), block(item.value)];
      });
      return Buffer.concat([...hits, crlf('END')]);
    }
    case 'set':
    case 'add':
    case 'replace':
    case 'append':
    case 'prepend':
    case 'cas':
      return store1(store, req, answer);
    case 'delete': {
      if (args.length < 1) return crlf('ERROR');
      return answer(items.delete(req.key) ? 'DELETED' : 'NOT_FOUND');
    }
    case 'incr':
    case 'decr': {
      const delta = unsigned(args[1]);
      if (delta === undefined) return crlf('CLIENT_ERROR invalid numeric delta argument');
      const item = items.get(req.key);
      if (item === undefined) return answer('NOT_FOUND');
      const next = applyDelta(item, delta, req.command === 'decr');
      if (next === undefined) return crlf(NON_NUMERIC);
      items.set(req.key, {
        value: Buffer.from(String(next)),
        flags: item.flags,
        cas: store.bump(),
      });
      return answer(String(next));
    }
    case 'touch': {
      if (args.length < 2 || !/^-?\d+$/.test(args[1] as string)) return crlf(BAD_FORMAT);
      return answer(items.has(req.key) ? 'TOUCHED' : 'NOT_FOUND');
    }
    default:
      return undefined;
  }
}

function store1(store: ItemStore, req: LineRequest, answer: (line: string) => Buffer): Buffer {
  const [key, flagsWord, exptime, , casWord] = req.args;
  const flags = unsigned(flagsWord, BigInt(U32));
  const cas = req.command === 'cas' ? unsigned(casWord) : 0n;
  if (
    key === undefined ||
    flags === undefined ||
    cas === undefined ||
    !/^-?\d+$/.test(exptime ?? '') ||
    req.data === undefined
  ) {
    return crlf(BAD_FORMAT);
  }
  const item = store.items.get(key);
  const put = (value: Buffer): Buffer => {
    // A negative expiry stores the item already expired: it is gone at once.
    if (Number(exptime) < 0) store.items.delete(key);
    else store.items.set(key, { value, flags: Number(flags), cas: store.bump() });
    return answer('STORED');
  };
  switch (req.command) {
    case 'set':
      return put(req.data);
    case 'add':
      return item === undefined ? put(req.data) : answer('NOT_STORED');
    case 'replace':
      return item === undefined ? answer('NOT_STORED') : put(req.data);
    case 'append':
    case 'prepend': {
      if (item === undefined) return answer('NOT_STORED');
      const parts = req.command === 'append' ? [item.value, req.data] : [req.data, item.value];
      store.items.set(key, { ...item, value: Buffer.concat(parts), cas: store.bump() });
      return answer('STORED');
    }
    default:
      // cas
      if (item === undefined) return answer('NOT_FOUND');
      return item.cas === cas ? put(req.data) : answer('EXISTS');
  }
}
