import {
  expiresAt,
  RELATIVE_TTL_LIMIT_SECONDS,
  type Backend,
  type StoredItem,
} from '../backend/index.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  LEASE_ENVELOPE_FLAGS,
  newLeaseId,
  NO_LEASE_ID,
  type Envelope,
} from './envelope.js';
import { leaseSeconds, type Lease, type LeaseSettings, type LeaseView } from './lease.js';

/** Reads of one lease read that may each lose a race to another writer before it waits instead. */
const MAX_ROUNDS = 5;

/**
 * One lease read built from `get`, `add` and CAS, for backends without
 * memcached's own leases (binary, text, the embedded store). The key holds
 * an {@link Envelope} (flags {@link LEASE_ENVELOPE_FLAGS}): the value with its
 * expiry and stale mark, or a placeholder while it is computed, and the
 * lease (its end, its holder's id).
 *
 * - missing: `add` a placeholder leased to this caller (it computes); the
 *   others find it leased and wait;
 * - a placeholder or a stale value whose lease ended (its holder died, or
 *   gave it up) or was never taken: take it with a CAS write; one caller wins;
 * - a value within `staleSeconds` of its expiry, not leased: take it the same
 *   way (an early recompute) while others use the value;
 * - anything else is current.
 *
 * The lease's write is a CAS replace with the token of the record the lease
 * was taken with, so a value written (or an invalidation) since makes it fail
 * instead of overwriting. An item without the envelope's flags is a plain
 * value (written by `set()`): a hit.
 *
 * Lease ends are wall-clock times, compared by every client: clients on
 * several hosts need clocks in step to within a small part of `leaseMs`
 * (NTP gives milliseconds). The placeholder's memcached TTL, a second longer
 * than the lease, only removes what a dead holder leaves.
 *
 * @param now - the wall clock, ms since the epoch
 * @param stillOwner - false when the key has moved to another node since the read
 */
export async function emulatedRead(
  backend: Backend,
  key: string,
  settings: LeaseSettings,
  now: () => number,
  stillOwner: () => boolean,
): Promise<LeaseView> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const item = await backend.get(key);
    const wall = now();
    if (item === undefined) {
      const placeholder = leased(undefined, settings, wall, wall + settings.leaseMs);
      const lease = await take(backend, key, settings, undefined, placeholder, now, stillOwner);
      if (lease) return { kind: 'won', reason: 'miss', previous: undefined, lease };
      continue;
    }
    const env = item.flags === LEASE_ENVELOPE_FLAGS ? decodeEnvelope(item.value) : undefined;
    if (env === undefined) return { kind: 'hit', stored: item };
    const held = env.leaseUntil > wall;
    const previous = env.value && { value: env.value, flags: env.flags };
    let reason: 'miss' | 'invalidated' | 'expiring';
    if (previous === undefined) reason = 'miss';
    else if (env.stale) reason = 'invalidated';
    else if (
      settings.staleSeconds > 0 &&
      env.expiresAt > 0 &&
      env.expiresAt - wall < settings.staleSeconds * 1000
    ) {
      reason = 'expiring';
    } else return { kind: 'hit', stored: previous };
    if (held) return { kind: 'taken', reason, previous };
    const next = leased(env, settings, wall, env.expiresAt);
    const lease = await take(backend, key, settings, item, next, now, stillOwner);
    if (lease) return { kind: 'won', reason, previous, lease };
  }
  // Lost every race: others are making progress on the key; wait for them.
  return { kind: 'taken', reason: 'miss', previous: undefined };
}

/**
 * Writes `next` (a record leased to this caller) over `item` (with its CAS;
 * with `add` when missing) and returns the lease, or undefined when another
 * writer got there first.
 */
async function take(
  backend: Backend,
  key: string,
  settings: LeaseSettings,
  item: StoredItem | undefined,
  next: Envelope,
  now: () => number,
  stillOwner: () => boolean,
): Promise<Lease | undefined> {
  const r = await backend.store({
    mode: item === undefined ? 'add' : 'replace',
    key,
    value: encodeEnvelope(next),
    flags: LEASE_ENVELOPE_FLAGS,
    ttl: ttlUntil(next.expiresAt, now()),
    cas: item?.cas ?? 0n,
    session: item?.session,
  });
  if (r.outcome !== 'stored') return undefined;
  let token: { readonly cas: bigint; readonly session?: number | undefined } = r;
  if (r.cas === 0n) {
    // A text write is not answered with its CAS: read the record back and know it by the holder id.
    const back = await backend.get(key);
    const env = back?.flags === LEASE_ENVELOPE_FLAGS ? decodeEnvelope(back.value) : undefined;
    if (back === undefined || !env?.leaseId.equals(next.leaseId)) return undefined;
    token = back;
  }
  return {
    async write(bytes, flags) {
      if (!stillOwner()) return false;
      const wall = now();
      const expires = settings.ttl === 0 ? 0 : expiresAt(settings.ttl, wall);
      const w = await backend.store({
        mode: 'replace',
        key,
        value: encodeEnvelope({
          value: bytes,
          flags,
          stale: false,
          leaseUntil: 0,
          leaseId: NO_LEASE_ID,
          expiresAt: expires,
        }),
        flags: LEASE_ENVELOPE_FLAGS,
        ttl: settings.ttl,
        cas: token.cas,
        session: token.session,
      });
      return w.outcome === 'stored';
    },
    async release() {
      // The same record, no longer leased: the next reader takes it.
      const free = { ...next, leaseUntil: 0, leaseId: NO_LEASE_ID };
      try {
        await backend.store({
          mode: 'replace',
          key,
          value: encodeEnvelope(free),
          flags: LEASE_ENVELOPE_FLAGS,
          ttl: ttlUntil(free.expiresAt, now()),
          cas: token.cas,
          session: token.session,
        });
      } catch {
        // The lease then ends on its own, after leaseMs.
      }
    },
  };
}

/** `env` (or a placeholder, expiring with its lease) leased to a new holder until `wall + leaseMs`. */
function leased(
  env: Envelope | undefined,
  settings: LeaseSettings,
  wall: number,
  expires: number,
): Envelope {
  const leaseUntil = wall + settings.leaseMs;
  if (env === undefined || env.value === undefined) {
    return {
      value: undefined,
      flags: 0,
      stale: false,
      leaseUntil,
      leaseId: newLeaseId(),
      // Gone a second after its lease, should its holder die.
      expiresAt: wall + leaseSeconds(settings.leaseMs) * 1000,
    };
  }
  return { ...env, leaseUntil, leaseId: newLeaseId(), expiresAt: expires };
}

/**
 * The memcached TTL that makes a record expire at `expires` (wall-clock ms;
 * 0 for never): relative seconds, or a Unix time beyond 30 days, as memcached
 * reads them. One already past gets 1 second (the clocks disagree a little).
 */
function ttlUntil(expires: number, wall: number): number {
  if (expires === 0) return 0;
  const seconds = Math.ceil((expires - wall) / 1000);
  if (seconds <= 0) return 1;
  return seconds > RELATIVE_TTL_LIMIT_SECONDS ? Math.ceil(expires / 1000) : seconds;
}

/**
 * Marks the key's value stale with a CAS write (its next reader recomputes
 * it while others may use it) and clears any lease on it, so a recompute in
 * progress cannot write its now outdated value. A value not written by
 * `getOrCompute` (no envelope: its TTL cannot be read back) is deleted.
 */
export async function emulatedInvalidate(
  backend: Backend,
  key: string,
  now: () => number,
): Promise<'invalidated' | 'not_found'> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const item = await backend.get(key);
    if (item === undefined) return 'not_found';
    const env = item.flags === LEASE_ENVELOPE_FLAGS ? decodeEnvelope(item.value) : undefined;
    if (env === undefined) break;
    const next: Envelope = {
      ...env,
      stale: env.value !== undefined,
      leaseUntil: 0,
      leaseId: NO_LEASE_ID,
    };
    const r = await backend.store({
      mode: 'replace',
      key,
      value: encodeEnvelope(next),
      flags: LEASE_ENVELOPE_FLAGS,
      ttl: ttlUntil(next.expiresAt, now()),
      cas: item.cas,
      session: item.session,
    });
    if (r.outcome === 'stored') return 'invalidated';
    if (r.outcome === 'not_found') return 'not_found';
  }
  // A plain value, or writers kept winning: dropping the value is the sure way to stop serving it.
  const d = await backend.delete(key, 0n);
  return d === 'not_found' ? 'not_found' : 'invalidated';
}

/** Writes a value computed without a lease, only if the key is missing. */
export async function emulatedAdd(
  backend: Backend,
  key: string,
  settings: LeaseSettings,
  bytes: Buffer,
  flags: number,
  now: () => number,
): Promise<boolean> {
  const wall = now();
  const r = await backend.store({
    mode: 'add',
    key,
    value: encodeEnvelope({
      value: bytes,
      flags,
      stale: false,
      leaseUntil: 0,
      leaseId: NO_LEASE_ID,
      expiresAt: settings.ttl === 0 ? 0 : expiresAt(settings.ttl, wall),
    }),
    flags: LEASE_ENVELOPE_FLAGS,
    ttl: settings.ttl,
    cas: 0n,
  });
  return r.outcome === 'stored';
}
