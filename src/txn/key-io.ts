import type { Backend } from '../backend/index.js';
import { ownerSinceRead, tokenOf, type Topology } from '../cluster/index.js';
import { decodeValue, type Codec } from '../codec/index.js';
import type { Snapshot, UpdateIO, WriteOutcome } from './update-io.js';

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
