import type { Backend } from '../backend/index.js';
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

  /** @internal Made by memcas only. */
  constructor(value: bigint, key: string, origin: Backend, epoch: number, issuer: Topology) {
    this.value = value;
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

/**
 * The one "moved since read" check: the backend to write a key to with a
 * token's CAS, or `undefined` when the key's owner may have changed since the
 * token was read (then the write must not be sent: it is a conflict).
 */
export function ownerSinceRead(
  topology: Topology,
  token: CasToken,
  op: string,
): Backend | undefined {
  const backend = topology.route(token.key, true, op);
  return backend === token.origin && token.epoch === topology.epoch ? backend : undefined;
}
