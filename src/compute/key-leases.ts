import { ownerSinceRead, tokenOf, type Topology } from '../cluster/index.js';
import type { Backend } from '../backend/index.js';
import { emulatedAdd, emulatedInvalidate, emulatedRead } from './emulated-leases.js';
import type { LeaseIO, LeaseSettings, LeaseView } from './lease.js';
import { nativeInvalidate, nativeRead } from './native-leases.js';

/**
 * The lease operations of one key on a topology: each read is routed to the
 * key's node now and uses memcached's own leases where the node has them
 * (meta), the add-and-CAS ones otherwise. A lease writes only to the node
 * it was taken on, and only while the key has not moved (the one "moved
 * since read" check, {@link ownerSinceRead}).
 *
 * @param now - the wall clock for the add-and-CAS leases' ends
 */
export function keyLeases(
  topology: Topology,
  fullKey: string,
  settings: LeaseSettings,
  now: () => number = Date.now,
): LeaseIO {
  return {
    read(): Promise<LeaseView> {
      const epoch = topology.epoch;
      const backend = topology.route(fullKey, true, 'getOrCompute');
      const token = tokenOf({ cas: 0n }, fullKey, backend, epoch, topology);
      const stillOwner = (): boolean => ownerSinceRead(topology, token, 'getOrCompute') === backend;
      const leases = backend.leases;
      return leases
        ? nativeRead(backend, leases, fullKey, settings, stillOwner)
        : emulatedRead(backend, fullKey, settings, now, stillOwner);
    },
    add(bytes, flags): Promise<boolean> {
      const backend: Backend = topology.route(fullKey, true, 'getOrCompute');
      if (backend.leases) {
        return backend
          .store({ mode: 'add', key: fullKey, value: bytes, flags, ttl: settings.ttl, cas: 0n })
          .then((r) => r.outcome === 'stored');
      }
      return emulatedAdd(backend, fullKey, settings, bytes, flags, now);
    },
  };
}

/**
 * Marks a key's value stale on its node: memcached's `md … I` where the node
 * has it, the add-and-CAS equivalent otherwise.
 */
export function invalidateKey(
  topology: Topology,
  fullKey: string,
  now: () => number = Date.now,
): Promise<'invalidated' | 'not_found'> {
  const backend = topology.route(fullKey, true, 'invalidate');
  const leases = backend.leases;
  return leases ? nativeInvalidate(leases, fullKey) : emulatedInvalidate(backend, fullKey, now);
}
