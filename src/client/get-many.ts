import type { Backend } from '../backend/index.js';
import type { Topology } from '../cluster/index.js';
import { decodeValue, type Codec } from '../codec/index.js';
import type { GetManyEntry } from './call-options.js';

/**
 * Reads many keys: groups them by node, sends one pipelined batch per node in
 * parallel, and returns entries in the caller's key order. A node that cannot
 * be reached fails only its own keys.
 */
export async function getMany<T>(
  topology: Topology,
  keys: readonly string[],
  fullKeys: readonly string[],
  codec: Codec<T>,
): Promise<Array<GetManyEntry<T>>> {
  const entries = new Array<GetManyEntry<T>>(keys.length);
  const groups = new Map<Backend, number[]>();
  fullKeys.forEach((full, i) => {
    let backend: Backend;
    try {
      backend = topology.route(full);
    } catch (error) {
      entries[i] = { key: keys[i] as string, status: 'error', error: error as Error };
      return;
    }
    const group = groups.get(backend);
    if (group) group.push(i);
    else groups.set(backend, [i]);
  });
  await Promise.all(
    [...groups].map(async ([backend, indexes]) => {
      let items;
      try {
        items = await backend.getMany(indexes.map((i) => fullKeys[i] as string));
      } catch (error) {
        for (const i of indexes)
          entries[i] = { key: keys[i] as string, status: 'error', error: error as Error };
        return;
      }
      indexes.forEach((i, j) => {
        const key = keys[i] as string;
        const item = items[j];
        if (item === undefined) {
          entries[i] = { key, status: 'miss' };
          return;
        }
        try {
          entries[i] = {
            key,
            status: 'hit',
            value: decodeValue(codec, key, item.value, item.flags),
            cas: item.cas,
          };
        } catch (error) {
          entries[i] = { key, status: 'error', error: error as Error };
        }
      });
    }),
  );
  return entries;
}
