import type { Backend, NativeLeases, StoredItem } from '../backend/index.js';
import {
  leaseSeconds,
  type Lease,
  type LeaseReason,
  type LeaseSettings,
  type LeaseView,
} from './lease.js';

/**
 * One lease read on memcached's meta protocol: `mg <key> v c f t N<lease> R<stale>`.
 *
 * - a miss makes an empty placeholder living the lease's seconds and answers
 *   it with `W` (this caller computes); later readers see it with `Z` and wait;
 * - an item marked stale by `md … I` comes with `X`, and `W` for its first
 *   reader (who recomputes), `Z` for the others (who may use it);
 * - with `R`, an item with less than `staleSeconds` left hands one reader `W`
 *   (an early recompute) and the others `Z` with the still valid value.
 *
 * The placeholder's TTL is the lease: a holder that dies frees it when
 * memcached expires it. The winner of a stale item shortens its TTL to the
 * lease's for the same reason (the stale value is then served at most that
 * long without a live holder). The lease's write is an `ms` with the CAS the
 * read returned: a newer value (or invalidation) changed it, and the write is
 * refused instead of overwriting.
 *
 * A CAS token is honoured only on the connection that read it (memcached
 * numbers CAS from 1 again after a restart, and a restart means a new
 * connection). When the connection was made again between the lease's read
 * and its write, the write is not sent; the lease is then given up on the new
 * connection (see {@link giveUpOnNewConnection}), so the next reader wins at
 * once instead of waiting out the lease.
 *
 * @param stillOwner - false when the key has moved to another node since the read
 */
export async function nativeRead(
  backend: Backend,
  leases: NativeLeases,
  key: string,
  settings: LeaseSettings,
  stillOwner: () => boolean,
): Promise<LeaseView> {
  const seconds = leaseSeconds(settings.leaseMs);
  const r = await leases.read({
    key,
    vivifySeconds: seconds,
    recacheSeconds: settings.staleSeconds,
  });
  const item = r.item;
  if (item === undefined) return { kind: 'none' };
  // memcached's placeholder: no bytes, flags 0 (getOrCompute never writes such a value).
  const placeholder = item.value.length === 0 && item.flags === 0;
  if (!r.won && !r.taken && !r.stale) return { kind: 'hit', stored: item };
  if (!placeholder && !r.stale && !r.won && settings.staleSeconds === 0) {
    // Another caller is refreshing it early; for this caller it is simply current.
    return { kind: 'hit', stored: item };
  }
  const reason = placeholder ? 'miss' : r.stale ? 'invalidated' : 'expiring';
  // The value is a view into the socket's chunk: copy what outlives this tick.
  const previous = placeholder ? undefined : { value: Buffer.from(item.value), flags: item.flags };
  if (!r.won) {
    if (r.stale && (r.ttl < 0 || r.ttl > seconds)) {
      // memcached hands a stale item's win to any mg, a plain get() too, which never recomputes
      // nor bounds the TTL as a lease winner does: bound it here, or the stale value lives on.
      await backend.touch(key, seconds);
    }
    return { kind: 'taken', reason, previous };
  }
  if (reason === 'invalidated' && (r.ttl < 0 || r.ttl > seconds)) {
    // A stale item keeps its TTL: bound it by the lease, or a dead holder's stale value lives on.
    await backend.touch(key, seconds);
  }
  const won: WonLease = { backend, leases, key, item, reason, ttl: r.ttl, value: previous?.value };
  const lease: Lease = {
    async write(bytes, flags) {
      if (!stillOwner()) return false;
      const w = await backend.store({
        mode: 'replace',
        key,
        value: bytes,
        flags,
        ttl: settings.ttl,
        cas: item.cas,
        session: item.session,
      });
      if (w.outcome === 'stored') return true;
      await giveUpOnNewConnection(won);
      return false;
    },
    async release() {
      if (!(await release(won, item))) await giveUpOnNewConnection(won);
    },
  };
  return { kind: 'won', reason, previous, lease };
}

/** A lease this caller won: where, on which item, and what to restore when giving it up. */
interface WonLease {
  readonly backend: Backend;
  readonly leases: NativeLeases;
  readonly key: string;
  /** The item as the lease's read returned it (its CAS and connection). */
  readonly item: StoredItem;
  readonly reason: LeaseReason;
  /** The TTL the item had when read. */
  readonly ttl: number;
  /** The value being replaced (undefined for a miss). */
  readonly value: Buffer | undefined;
}

/**
 * Gives a lease up so the next reader wins: the placeholder is deleted, a
 * stale item is invalidated again (which re-arms its win), an item won early
 * is written back unchanged (which clears memcached's "win sent" mark). Each
 * only if nothing changed since the lease was taken.
 * @returns false when refused for a CAS token that does not match (or whose
 * connection is gone); true when done, when the item is gone, or on a failure
 * (the lease then ends on its own, after leaseMs)
 * @param item - the lease's item: as its read returned it, or as read again on a new connection
 */
async function release(won: WonLease, item: StoredItem): Promise<boolean> {
  const { backend, leases, key, reason, ttl, value } = won;
  try {
    if (reason === 'miss') return (await backend.delete(key, item.cas, item.session)) !== 'exists';
    if (reason === 'invalidated') {
      return (await leases.invalidate(key, item.cas, item.session)) !== 'exists';
    }
    const w = await backend.store({
      mode: 'replace',
      key,
      value: value ?? item.value,
      flags: item.flags,
      ttl: Math.max(1, ttl),
      cas: item.cas,
      session: item.session,
    });
    return w.outcome !== 'exists';
  } catch {
    return true;
  }
}

/**
 * After a write or release of the lease was refused: when the refusal came
 * from a token of a connection that is gone (nothing was sent) and the key,
 * read again on the new connection, still holds the lease's item (the same
 * CAS number, still the placeholder or the same value), gives the lease up
 * with the new token, so the next reader wins at once.
 *
 * It never writes the computed value: after a reconnect the same CAS number
 * does not prove the same item (a restarted memcached numbers CAS from 1
 * again), and a value written into another lease's item could stand for one
 * computed before an invalidation. Giving up writes nothing but a delete, an
 * invalidation or the same bytes back: at worst one more compute.
 */
async function giveUpOnNewConnection(won: WonLease): Promise<void> {
  const { leases, key, item, reason, value } = won;
  if (item.session === undefined) return;
  try {
    // Read as a lease read, without a placeholder: memcached hands a stale item's win to any mg,
    // and this read must know whether it took one to hand it back.
    const r = await leases.read({ key, vivifySeconds: 0, recacheSeconds: 0 });
    const now = r.item;
    if (now === undefined) return;
    const ours =
      now.session !== item.session &&
      now.cas === item.cas &&
      (reason === 'miss'
        ? now.value.length === 0 && now.flags === 0
        : now.flags === item.flags && value !== undefined && now.value.equals(value));
    if (ours) await release(won, now);
    // Not this lease's item (another caller's invalidation, say): its win goes back to the next reader.
    else if (r.won) await leases.invalidate(key, now.cas, now.session);
  } catch {
    // The lease then ends on its own, after leaseMs.
  }
}

/** `md <key> I`: marks the key's value stale; its next reader recomputes it while others may use it. */
export async function nativeInvalidate(
  leases: NativeLeases,
  key: string,
): Promise<'invalidated' | 'not_found'> {
  const r = await leases.invalidate(key, 0n);
  return r === 'not_found' ? 'not_found' : 'invalidated';
}
