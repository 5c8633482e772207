import type { LineRequest } from './line-requests.js';
import {
  applyDelta,
  BAD_FORMAT,
  block,
  crlf,
  NON_NUMERIC,
  textReply,
  unsigned,
  type ItemStore,
  type LineItem,
} from './text-baseline.js';

/** The version string a {@link LineBaselineStore} answers `version` with. */
export const LINE_BASELINE_VERSION = '1.6.0-hostile';

const U32 = 0xffffffffn;
const NOTHING = Buffer.alloc(0);

/**
 * A correct, minimal memcached behind its line protocols: an in-memory item
 * map and the answers memcached 1.6 gives to the meta commands `mg`, `ms`,
 * `md`, `ma` and `mn`, to `version`, `stats` and `flush_all`, and (see
 * text-baseline.ts) to the classic text commands; anything else gets `ERROR`.
 * Meta replies carry the request's return flags in the order asked (`O`
 * echoed as sent, `k`, and on a hit `c`, `f`, `s`, `t`); `q` hides what
 * memcached hides (`EN` for `mg`, `HD` for `ms`, `HD`/`NF` for `md`).
 * A negative expiry stores an item already expired (it is gone at once);
 * other expiries are accepted and ignored. Hostile behaviours are written as
 * "this, except …".
 */
export class LineBaselineStore implements ItemStore {
  /** The items, by key; tests may seed or inspect them. */
  readonly items = new Map<string, LineItem>();
  private nextCas = 100n;

  bump(): bigint {
    return this.nextCas++;
  }

  /** Applies a request and returns the bytes memcached would answer (none for a quiet miss). */
  reply(req: LineRequest): Buffer {
    switch (req.command) {
      case 'mg':
        return this.metaGet(req);
      case 'ms':
        return this.metaSet(req);
      case 'md':
        return this.metaDelete(req);
      case 'ma':
        return this.metaArithmetic(req);
      case 'mn':
        return crlf('MN');
      case 'version':
        return crlf(`VERSION ${LINE_BASELINE_VERSION}`);
      case 'stats':
        return Buffer.concat([
          crlf(`STAT version ${LINE_BASELINE_VERSION}`),
          crlf(`STAT curr_items ${this.items.size}`),
          crlf('END'),
        ]);
      case 'flush_all':
        this.items.clear();
        return req.args.includes('noreply') ? NOTHING : crlf('OK');
      default:
        return textReply(this, req) ?? crlf('ERROR');
    }
  }

  private metaGet(req: LineRequest): Buffer {
    if (req.key === '') return crlf(BAD_FORMAT);
    const item = this.items.get(req.key);
    if (item === undefined) return quiet(req) ? NOTHING : status('EN', req);
    if (req.flags.includes('v')) {
      return Buffer.concat([
        crlf(['VA', String(item.value.length), ...returned(req, item)].join(' ')),
        block(item.value),
      ]);
    }
    return status('HD', req, item);
  }

  private metaSet(req: LineRequest): Buffer {
    if (req.data === undefined) return crlf(BAD_FORMAT);
    const flags = unsigned(flag(req, 'F') ?? '0', U32);
    const compare = flag(req, 'C');
    const cas = compare === undefined ? 0n : unsigned(compare);
    if (flags === undefined || cas === undefined) return crlf(BAD_FORMAT);
    const mode = flag(req, 'M') ?? 'S';
    const item = this.items.get(req.key);
    // Like memcached: a compare meets a missing item as NF, a wrong token as EX.
    if (cas !== 0n && item === undefined) return status('NF', req);
    if (cas !== 0n && item?.cas !== cas) return status('EX', req);
    let value = req.data;
    switch (mode.toUpperCase()) {
      case 'S':
        break;
      case 'E':
        if (item !== undefined) return status('NS', req);
        break;
      case 'R':
        if (item === undefined) return status('NS', req);
        break;
      case 'A':
      case 'P':
        if (item === undefined) return status('NS', req);
        value = Buffer.concat(mode === 'A' ? [item.value, value] : [value, item.value]);
        break;
      default:
        return crlf('CLIENT_ERROR invalid mode for ms');
    }
    const stored = { value, flags: Number(flags), cas: this.bump() };
    // A negative TTL stores the item already expired: it is gone at once.
    if (Number(flag(req, 'T') ?? '0') < 0) this.items.delete(req.key);
    else this.items.set(req.key, stored);
    return quiet(req) ? NOTHING : status('HD', req, stored);
  }

  private metaDelete(req: LineRequest): Buffer {
    const item = this.items.get(req.key);
    const compare = flag(req, 'C');
    const cas = compare === undefined ? 0n : unsigned(compare);
    if (cas === undefined) return crlf(BAD_FORMAT);
    if (item === undefined) return quiet(req) ? NOTHING : status('NF', req);
    if (cas !== 0n && item.cas !== cas) return status('EX', req);
    this.items.delete(req.key);
    return quiet(req) ? NOTHING : status('HD', req);
  }

  private metaArithmetic(req: LineRequest): Buffer {
    const delta = unsigned(flag(req, 'D') ?? '1');
    const initial = unsigned(flag(req, 'J') ?? '0');
    const mode = (flag(req, 'M') ?? 'I').toUpperCase();
    if (delta === undefined || initial === undefined || !['I', '+', 'D', '-'].includes(mode)) {
      return crlf(BAD_FORMAT);
    }
    const item = this.items.get(req.key);
    let next: bigint;
    if (item === undefined) {
      // N<ttl> creates a missing counter with J's value, not incremented.
      if (flag(req, 'N') === undefined) return status('NF', req);
      next = initial;
    } else {
      const applied = applyDelta(item, delta, mode === 'D' || mode === '-');
      if (applied === undefined) return crlf(NON_NUMERIC);
      next = applied;
    }
    const stored = { value: Buffer.from(String(next)), flags: item?.flags ?? 0, cas: this.bump() };
    this.items.set(req.key, stored);
    if (!req.flags.includes('v')) return status('HD', req, stored);
    return Buffer.concat([
      crlf(['VA', String(stored.value.length), ...returned(req, stored)].join(' ')),
      block(stored.value),
    ]);
  }
}

/** `word`, then the flags the request asked back. */
function status(word: string, req: LineRequest, item?: LineItem): Buffer {
  return crlf([word, ...returned(req, item)].join(' '));
}

/**
 * The return flags of a meta reply, in the order the request asked them:
 * `O` and `k` always, the item's `c`, `f`, `s`, `t` when there is one.
 */
function returned(req: LineRequest, item: LineItem | undefined): string[] {
  const out: string[] = [];
  for (const f of req.flags) {
    const name = f[0];
    if (name === 'O' || name === 'b') out.push(f);
    else if (name === 'k') out.push(`k${req.key}`);
    else if (item === undefined) continue;
    else if (name === 'c' && f.length === 1) out.push(`c${item.cas}`);
    else if (name === 'f' && f.length === 1) out.push(`f${item.flags}`);
    else if (name === 's' && f.length === 1) out.push(`s${item.value.length}`);
    else if (name === 't' && f.length === 1) out.push('t-1');
  }
  return out;
}

/** The token of meta flag `name` (`T60` → `'60'`), if the request has it. */
function flag(req: LineRequest, name: string): string | undefined {
  return req.flags.find((f) => f[0] === name)?.slice(1);
}

function quiet(req: LineRequest): boolean {
  return req.flags.includes('q');
}
