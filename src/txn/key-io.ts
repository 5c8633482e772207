import type { Backend } from '../backend/index.js';
import { ownerSinceRead, tokenOf, type CasToken, type Topology } from '../cluster/index.js';
import { decodeValue, encodeValue, type Codec } from '../codec/index.js';
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
 * A class, not a literal of closures: one is made per `update()` call.
 */
export class KeyUpdateIO<T> implements UpdateIO<T> {
  /**
   * @param topology - routes the key
   * @param key - the key as the caller wrote it
   * @param fullKey - the key with the client's prefix
   * @param codec - encodes and decodes values
   * @param ttl - the TTL of written values (seconds)
   * @param sized - checks the item size of encoded bytes (throws ValueTooLargeError)
   */
  constructor(
    private readonly topology: Topology,
    readonly key: string,
    private readonly fullKey: string,
    private readonly codec: Codec<T>,
    private readonly ttl: number,
    private readonly sized: (key: string, fullKey: string, bytes: Buffer) => Buffer,
  ) {}

  /** Encodes and size-checks a value; throws CodecError or ValueTooLargeError. */
  encode(value: T): Buffer {
    return this.sized(this.key, this.fullKey, encodeValue(this.codec, this.key, value));
  }

  /** Reads the key with its CAS token. */
  read(): Promise<Snapshot<T>> {
    const topology = this.topology;
    const epoch = topology.epoch;
    const origin = topology.route(this.fullKey, false, 'update');
    // A then, not an async function: one promise fewer on the path of every update().
    return origin.get(this.fullKey).then((item) => {
      const token = tokenOf(item ?? { cas: 0n }, this.fullKey, origin, epoch, topology);
      if (item === undefined) return { value: undefined, present: false, token };
      return {
        value: decodeValue(this.codec, this.key, item.value, item.flags),
        present: true,
        token,
      };
    });
  }

  /** See {@link UpdateIO.write}. */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined): Promise<WriteOutcome> {
    const { topology, fullKey } = this;
    const backend: Backend | undefined = ownerSinceRead(topology, snapshot.token, 'update');
    // A CAS token means nothing on another node: read again from the new owner.
    if (backend === undefined) return Promise.resolve(MOVED);
    const cas = snapshot.present ? snapshot.token.value : 0n;
    if (bytes === undefined) {
      if (!snapshot.present) return Promise.resolve(REMOVED_NOTHING);
      return backend.delete(fullKey, cas, snapshot.token.session).then((r) => {
        if (r === 'deleted') return REMOVED_NOTHING;
        return { kind: r === 'exists' ? 'cas' : 'not_found' };
      });
    }
    // REPLACE with the token, not SET: a SET that fails to allocate unlinks the old item.
    const mode = snapshot.present ? 'replace' : 'add';
    return backend
      .store({
        mode,
        key: fullKey,
        value: bytes,
        flags: this.codec.flags,
        ttl: this.ttl,
        cas,
        // Only on the connection it was read on: a restarted memcached numbers CAS from 1 again.
        session: snapshot.present ? snapshot.token.session : undefined,
      })
      .then((r): WriteOutcome => {
        if (r.outcome === 'stored') {
          return {
            kind: 'stored',
            cas: tokenOf(r, fullKey, backend, snapshot.token.epoch, topology),
          };
        }
        if (mode === 'add') return EXISTS;
        return { kind: r.outcome === 'exists' ? 'cas' : 'not_found' };
      });
  }
}

const MOVED: WriteOutcome = Object.freeze({ kind: 'moved' });
const EXISTS: WriteOutcome = Object.freeze({ kind: 'exists' });
/** A removal done (or nothing to remove): stored, with no token. */
const REMOVED_NOTHING: WriteOutcome = Object.freeze({ kind: 'stored', cas: undefined });
