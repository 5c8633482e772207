import { RELATIVE_TTL_LIMIT_SECONDS, type Backend, type StoreResult } from '../backend/index.js';
import { ownerSinceRead, tokenOf, type CasToken, type Topology } from '../cluster/index.js';
import {
  isIndeterminateWriteError,
  NodeUnavailableError,
  UnsupportedOperationError,
} from '../errors/index.js';
import { fencingToken, startedSeconds } from './fencing-token.js';

/**
 * A TTL that is a Unix time in January 1970: memcached (and the embedded
 * store) store the item already expired, on every protocol. A CAS write with
 * it is the compare-and-delete the text protocol lacks.
 */
export const EXPIRED_TTL = RELATIVE_TTL_LIMIT_SECONDS + 1;

/**
 * The server TTL for a lock of `ttlMs`: memcached's clock ticks in whole
 * seconds, so an item set with TTL n lives between n-1 and n seconds; one
 * second more makes it outlive the holder's own view (`expiresAt`).
 */
export function serverTtl(ttlMs: number): number {
  return Math.ceil(ttlMs / 1000) + 1;
}

/** A lock item just added: its CAS token and the fencing token made from it. */
export interface Added {
  /** The lock item's token: its CAS, node, epoch and connection. */
  readonly token: CasToken;
  /** `start << 64 | cas`: see {@link fencingToken}. */
  readonly fencingToken: bigint;
}

/**
 * The lock items of one client's topology: the `add` that takes a lock, the
 * CAS writes that extend and release it, and the node start times its
 * fencing tokens carry. Every write is guarded by the lock item's CAS on the
 * node that issued it (never a later holder's item), and by the holder's
 * random value where the protocol does not answer with a CAS (text).
 */
export class LockItems {
  /** Each node's start time, as learnt on one connection (a session is one server life). */
  private readonly starts = new WeakMap<
    Backend,
    { readonly session: number | undefined; readonly seconds: bigint }
  >();

  /** @param topology - where lock items live */
  /** Holder values whose acquiring add had its answer lost: a later "exists" may be theirs. */
  private readonly uncertain = new WeakSet<Buffer>();

  constructor(private readonly topology: Topology) {}

  /**
   * Adds the lock item `full` with the holder's `value`: its tokens, or
   * undefined when another holder has the lock.
   * @throws {@link NodeUnavailableError} when the key's node is down (a lock never moves to a fallback node)
   */
  async add(full: string, value: Buffer, ttlMs: number): Promise<Added | undefined> {
    const epoch = this.topology.epoch;
    const backend = this.topology.route(full, true, 'lock');
    const owner = this.topology.owner(full);
    if (backend.address !== owner) {
      // Under 'rehash' the key would move to a node whose tokens may be smaller: fail closed.
      throw new NodeUnavailableError(
        owner,
        `lock ${JSON.stringify(full)} not taken: its node ${owner} is marked down, and a lock ` +
          `never moves to a fallback node (${backend.address} could hand out a smaller fencing token)`,
      );
    }
    let r: StoreResult;
    try {
      r = await backend.store({
        mode: 'add',
        key: full,
        value,
        flags: 0,
        ttl: serverTtl(ttlMs),
        cas: 0n,
      });
    } catch (err) {
      if (!isIndeterminateWriteError(err)) throw err;
      // The add may have landed, and then nobody could release it: find out as
      // for an answer without its CAS (below), by reading the item back.
      this.uncertain.add(value);
      r = { outcome: 'stored', cas: 0n };
    }
    // After a lost answer the read back may have come before the add itself
    // (on another connection): an item found later may still be this one's.
    if (r.outcome !== 'stored' && this.uncertain.has(value)) r = { outcome: 'stored', cas: 0n };
    if (r.outcome !== 'stored') return undefined;
    let item: { readonly cas: bigint; readonly session?: number | undefined } = r;
    if (r.cas === 0n) {
      // The text protocol answers a write without its CAS (and a lost answer has none): read it back.
      const read = await this.ours(backend, full, value);
      if (read === undefined) return undefined;
      item = read;
    }
    if (item.cas === 0n) {
      // memcached run with -C has no CAS: every acquisition would get the same token, and
      // extend and release would be unconditional. Give the item back and refuse.
      await backend.delete(full, 0n).catch(() => undefined);
      throw new UnsupportedOperationError(
        'lock',
        backend.address,
        `lock ${JSON.stringify(full)} refused: memcached ${backend.address} has CAS disabled (-C), ` +
          `so it can neither hand out increasing fencing tokens nor release only its own holder's lock`,
      );
    }
    let seconds = this.known(backend, item.session);
    if (seconds === undefined) {
      try {
        seconds = startedSeconds(await backend.stats(), backend.address);
      } catch (err) {
        // No token can be made: give the lock back rather than leave it until its TTL.
        await this.drop(tokenOf(item, full, backend, epoch, this.topology)).catch(() => undefined);
        throw err;
      }
      // The start time must be the lock item's server's: read it back on the
      // same connection (a restart always means a new one).
      const again = await this.ours(backend, full, value);
      if (again === undefined || again.session !== item.session || again.cas !== item.cas) {
        if (again !== undefined)
          await this.drop(tokenOf(again, full, backend, epoch, this.topology));
        return undefined;
      }
      this.starts.set(backend, { session: item.session, seconds });
    }
    return {
      token: tokenOf(item, full, backend, epoch, this.topology),
      fencingToken: fencingToken(seconds, item.cas),
    };
  }

  /**
   * Writes the lock item again with `ttl` (seconds, memcached's terms) if it
   * still has `token`'s CAS on the node that issued it: the new token,
   * `'lost'` (expired, or another holder's now) or `'moved'` (the key's node
   * changed since).
   */
  async rewrite(token: CasToken, value: Buffer, ttl: number): Promise<CasToken | 'lost' | 'moved'> {
    const backend = ownerSinceRead(this.topology, token, 'lock');
    if (backend === undefined) return 'moved';
    const write = (cas: bigint, session: number | undefined) =>
      backend.store({ mode: 'replace', key: token.key, value, flags: 0, ttl, cas, session });
    let r = await write(token.value, token.session);
    if (r.outcome !== 'stored') {
      // The token may be stale only because the connection changed (one request
      // timed out, an idle connection closed) or an extension's answer was lost:
      // the item is still this handle's while it holds its unique value, which
      // no other holder ever writes. Then write again with the CAS read now.
      const read = await this.ours(backend, token.key, value);
      if (read === undefined) return 'lost';
      r = await write(read.cas, read.session);
      if (r.outcome !== 'stored') return 'lost';
    }
    if (r.cas !== 0n || ttl === EXPIRED_TTL) {
      return tokenOf(r, token.key, backend, token.epoch, this.topology);
    }
    const read = await this.ours(backend, token.key, value);
    return read === undefined
      ? 'lost'
      : tokenOf(read, token.key, backend, token.epoch, this.topology);
  }

  /** Whether the key of a lock item read with `token` has changed node since. */
  moved(token: CasToken): boolean {
    try {
      return ownerSinceRead(this.topology, token, 'lock') === undefined;
    } catch {
      // Its node is down under 'fail': the key cannot have moved (the lock's
      // own extend and release fail on their own; a fenced write elsewhere need not).
      return false;
    }
  }

  /** Expires a lock item if it still has `token`'s CAS. */
  private async drop(token: CasToken): Promise<void> {
    await this.rewrite(token, Buffer.alloc(0), EXPIRED_TTL);
  }

  /** The lock item if it holds `value` (this holder's). */
  private async ours(
    backend: Backend,
    full: string,
    value: Buffer,
  ): Promise<{ readonly cas: bigint; readonly session?: number | undefined } | undefined> {
    const item = await backend.get(full);
    return item !== undefined && item.value.equals(value) ? item : undefined;
  }

  private known(backend: Backend, session: number | undefined): bigint | undefined {
    const known = this.starts.get(backend);
    return known !== undefined && known.session === session ? known.seconds : undefined;
  }
}
