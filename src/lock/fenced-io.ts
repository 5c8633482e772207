import { tokenOf, type Topology } from '../cluster/index.js';
import {
  decodeValue,
  encodeValue,
  FENCED_FLAGS,
  unwrapFenceOf,
  wrapFenced,
  type Codec,
} from '../codec/index.js';
import { InvalidArgumentError, StaleFenceError } from '../errors/index.js';
import { KeyUpdateIO, type Snapshot, type UpdateIO } from '../txn/index.js';
import type { Lock } from './lock.js';

/**
 * The {@link UpdateIO} of a fenced `update()` (and `set`) of one key: the
 * same read-modify-write as an ordinary update, with the value stored in a
 * fenced envelope (codec/fence-envelope.ts) carrying the lock's fencing
 * token. The read refuses, with {@link StaleFenceError}, an item written with
 * a larger token; the write is the ordinary CAS write (`add` when missing),
 * so the token and the value change together, or not at all. The lock itself
 * is checked before the read and before the write (released, lost, moved).
 *
 * @param sized - checks the item size of the bytes to store (before any I/O)
 * @internal
 */
export function fencedUpdateIO<T>(
  topology: Topology,
  key: string,
  fullKey: string,
  codec: Codec<T>,
  ttl: number,
  lock: Lock,
  sized: (bytes: Buffer) => Buffer,
): UpdateIO<T> {
  const fence = lock.fencingToken;
  // Only its flags are used: the envelope is made here and read in read().
  const envelope: Codec<T> = { ...codec, flags: FENCED_FLAGS };
  const plain = new KeyUpdateIO(topology, key, fullKey, envelope, ttl, (_k, _f, bytes) =>
    sized(bytes),
  );
  return {
    key,
    encode: (value: T) => sized(wrapFenced(fence, codec.flags, encodeValue(codec, key, value))),
    async read(): Promise<Snapshot<T>> {
      lock.checkFence(key);
      const epoch = topology.epoch;
      const origin = topology.route(fullKey, false, 'update');
      const item = await origin.get(fullKey);
      const token = tokenOf(item ?? { cas: 0n }, fullKey, origin, epoch, topology);
      if (item === undefined) return { value: undefined, present: false, token };
      if (item.flags !== FENCED_FLAGS) {
        return { value: decodeValue(codec, key, item.value, item.flags), present: true, token };
      }
      const stored = unwrapFenceOf(key, item.value);
      if (stored.token > fence) throw new StaleFenceError(key, 'superseded', fence, stored.token);
      return { value: decodeValue(codec, key, stored.value, stored.flags), present: true, token };
    },
    async write(snapshot, bytes) {
      lock.checkFence(key);
      if (bytes === undefined && snapshot.present) {
        // Deleting the item would delete its token too: a stale holder could then write it again.
        throw new InvalidArgumentError(
          `a fenced update of ${JSON.stringify(key)} returned remove, which was refused: deleting ` +
            'the item would also delete the fencing token kept with it, and a stale holder could ' +
            "then write it again. Write a value that means 'gone' instead",
        );
      }
      return plain.write(snapshot, bytes);
    },
  };
}
