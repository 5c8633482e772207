import type { Backend } from '../backend/index.js';
import type { Topology } from '../cluster/index.js';
import { decodeValue, type Codec } from '../codec/index.js';
import type { UpdateIO, WriteOutcome } from '../txn/index.js';

/**
 * The {@link UpdateIO} of one key: reads with `get` (which carries the CAS
 * token), writes with `add` when the key was missing, `cas` when present, and
 * a CAS `delete` for removal, always on the node the key was read from.
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
    async read() {
      const origin = topology.route(fullKey);
      const item = await origin.get(fullKey);
      if (item === undefined) return { value: undefined, cas: 0n, origin };
      return { value: decodeValue(codec, key, item.value, item.flags), cas: item.cas, origin };
    },
    encode,
    async write(snapshot, bytes): Promise<WriteOutcome> {
      const backend: Backend = topology.route(fullKey, true);
      // A CAS token means nothing on another node: read again from the new owner.
      if (backend !== snapshot.origin) return { kind: 'moved' };
      if (bytes === undefined) {
        if (snapshot.cas === 0n) return { kind: 'stored', cas: undefined };
        const r = await backend.delete(fullKey, snapshot.cas);
        if (r === 'deleted') return { kind: 'stored', cas: undefined };
        return { kind: r === 'exists' ? 'cas' : 'not_found' };
      }
      const mode = snapshot.cas === 0n ? 'add' : 'set';
      const r = await backend.store({
        mode,
        key: fullKey,
        value: bytes,
        flags: codec.flags,
        ttl,
        cas: snapshot.cas,
      });
      if (r.outcome === 'stored') return { kind: 'stored', cas: r.cas };
      if (mode === 'add') return { kind: 'exists' };
      return { kind: r.outcome === 'exists' ? 'cas' : 'not_found' };
    },
  };
}
