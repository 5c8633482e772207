import type { Backend, StoredItem } from '../backend/index.js';
import type { Topology } from './topology.js';

/**
 * A CAS token as memcas hands it out (from `gets`, `getMany`, `set` and
 * `update()`): memcached's 64-bit number, and where it came from. Pass it
 * back to `cas()` or `delete(key, { cas })`.
 *
 * A bare number cannot be checked: memcached numbers items per node, so the
 * same number can exist on two nodes. A token is honoured only by the client
 * that read it, for the key it was read for, and only while that key's owner
 * is unchanged: if a node was added or removed since the read, or (under
 * `onNodeDown: 'rehash'`) a node went down or came back, the write is not
 * sent and reports a conflict. Read again and retry.
 */
export class CasToken {
  /** memcached's CAS number, for logs or for another client (`gets` in pymemcache, etc.). */
  readonly value: bigint;
  /** The node that issued it, as `host:port` (`memory` for the embedded store). */
  readonly node: string;
  /** @internal The full key it was read for. */
  readonly key: string;
  /** @internal The backend it was read from. */
  readonly origin: Backend;
  /** @internal The topology's epoch when the read was routed. */
  readonly epoch: number;
  /** @internal The topology that routed the read. */
  readonly issuer: Topology;
  /** @internal The connection it was read on (see {@link StoredItem.session}). */
  readonly session: number | undefined;

  /** @internal Made by memcas only. */
  constructor(
    value: bigint,
    key: string,
    origin: Backend,
    epoch: number,
    issuer: Topology,
    session?: number,
  ) {
    this.value = value;
    this.session = session;
    this.node = origin.address;
    this.key = key;
    this.origin = origin;
    this.epoch = epoch;
    this.issuer = issuer;
  }

  /** The CAS number in decimal. */
  toString(): string {
    return this.value.toString();
  }

  /** The CAS number in decimal (JSON has no 64-bit integers). */
  toJSON(): string {
    return this.value.toString();
  }
}

/** The token of an item read from (or just written to) `origin`, routed under `epoch`. */
export function tokenOf(
  item: Pick<StoredItem, 'cas' | 'session'>,
  key: string,
  origin: Backend,
  epoch: number,
  issuer: Topology,
): CasToken {
  return new CasToken(item.cas, key, origin, epoch, issuer, item.session);
}

/**
 * The one "moved since read" check: the backend to write a key to with a
 * token's CAS, or `undefined` when the key's owner may have changed since the
 * token was read (then the write must not be sent: it is a conflict). The
 * backend makes the last check when it sends: that the connection the token
 * was read on is still the one in use (`session`), since a restarted memcached
 * numbers CAS from 1 again.
 */
export function ownerSinceRead(
  topology: Topology,
  token: CasToken,
  op: string,
): Backend | undefined {
  const backend = topology.route(token.key, true, op);
  return backend === token.origin && token.epoch === topology.epoch ? backend : undefined;
}
