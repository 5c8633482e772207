import type { Backend } from '../backend/index.js';
import { ownerSinceRead, tokenOf, type CasToken, type Topology } from '../cluster/index.js';
import { decodeValue, type Codec } from '../codec/index.js';
import type { ConflictKind } from '../errors/index.js';

/** The state of a key as read at the start of an attempt. */
export interface Snapshot<T> {
  /** The decoded value, or undefined when the key is missing. */
  readonly value: T | undefined;
  /** Whether the key was present. */
  readonly present: boolean;
  /** Where and when it was read (its CAS number is 0n when missing); the write must match it. */
  readonly token: CasToken;
}

/** The answer to an attempt's write. */
export type WriteOutcome =
  { readonly kind: 'stored'; readonly cas: CasToken | undefined } | { readonly kind: ConflictKind };

/**
 * The operations an `update()` needs on one key, bound to its codec and TTL.
 * Keeping them behind this interface lets the loop be tested without a
 * client and run the same on every backend.
 */
export interface UpdateIO<T> {
  /** The key as the caller wrote it (for errors). */
  readonly key: string;
  /** Reads the key with its CAS token. */
  read(): Promise<Snapshot<T>>;
  /** Encodes and size-checks a value; throws CodecError or ValueTooLargeError. */
  encode(value: T): Buffer;
  /**
   * Writes `bytes` (or deletes, when `bytes` is undefined) only if the key is as
   * in `snapshot`: add when it was missing, cas or CAS-delete otherwise, on the
   * node it was read from.
   */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined): Promise<WriteOutcome>;
}

/**
 * The {@link UpdateIO} of one key on a topology: reads with `get` (which
 * carries the CAS token), writes with `add` when the key was missing, `cas`
 * when present, and a CAS `delete` for removal, only on the node it was read
 * from and only if the key has not moved since (see {@link ownerSinceRead}).
 */
export function keyUpdateIO<T>(
  topology: Topology,
  key: string,
  fullKey: string,
  codec: Codec<T>,
  ttl: number,
  encode: (value: T) => Buffer,
): UpdateIO<T> {
  return {
    key,
    async read(): Promise<Snapshot<T>> {
      const epoch = topology.epoch;
      const origin = topology.route(fullKey, false, 'update');
      const item = await origin.get(fullKey);
      const token = tokenOf(item ?? { cas: 0n }, fullKey, origin, epoch, topology);
      if (item === undefined) return { value: undefined, present: false, token };
      return { value: decodeValue(codec, key, item.value, item.flags), present: true, token };
    },
    encode,
    async write(snapshot, bytes): Promise<WriteOutcome> {
      const backend: Backend | undefined = ownerSinceRead(topology, snapshot.token, 'update');
      // A CAS token means nothing on another node: read again from the new owner.
      if (backend === undefined) return { kind: 'moved' };
      const cas = snapshot.present ? snapshot.token.value : 0n;
      if (bytes === undefined) {
        if (!snapshot.present) return { kind: 'stored', cas: undefined };
        const r = await backend.delete(fullKey, cas, snapshot.token.session);
        if (r === 'deleted') return { kind: 'stored', cas: undefined };
        return { kind: r === 'exists' ? 'cas' : 'not_found' };
      }
      // REPLACE with the token, not SET: a SET that fails to allocate unlinks the old item.
      const mode = snapshot.present ? 'replace' : 'add';
      const r = await backend.store({
        mode,
        key: fullKey,
        value: bytes,
        flags: codec.flags,
        ttl,
        cas,
        // Only on the connection it was read on: a restarted memcached numbers CAS from 1 again.
        session: snapshot.present ? snapshot.token.session : undefined,
      });
      if (r.outcome === 'stored') {
        return {
          kind: 'stored',
          cas: tokenOf(r, fullKey, backend, snapshot.token.epoch, topology),
        };
      }
      if (mode === 'add') return { kind: 'exists' };
      return { kind: r.outcome === 'exists' ? 'cas' : 'not_found' };
    },
  };
}
