import type { Backend, StoredItem } from '../backend/index.js';
import { tokenOf, type CasToken } from './cas-token.js';
import type { Topology } from './topology.js';

/** One key's raw answer in {@link fetchMany}: an item with its token, a miss, or the error that kept it from being read. */
export type FetchedEntry =
  | { readonly status: 'hit'; readonly item: StoredItem; readonly token: CasToken }
  | { readonly status: 'miss' }
  | { readonly status: 'error'; readonly error: Error };

/**
 * Reads many full keys: groups them by node, sends one pipelined batch per
 * node in parallel, and returns entries in the order of `keys`. A node that
 * cannot be reached fails only its own keys.
 */
export async function fetchMany(
  topology: Topology,
  keys: readonly string[],
): Promise<FetchedEntry[]> {
  const epoch = topology.epoch;
  const entries = new Array<FetchedEntry>(keys.length);
  const groups = new Map<Backend, number[]>();
  keys.forEach((key, i) => {
    let backend: Backend;
    try {
      backend = topology.route(key, false, 'getMany');
    } catch (error) {
      entries[i] = { status: 'error', error: error as Error };
      return;
    }
    const group = groups.get(backend);
    if (group) group.push(i);
    else groups.set(backend, [i]);
  });
  await Promise.all(
    [...groups].map(async ([backend, indexes]) => {
      let items: Array<StoredItem | undefined>;
      try {
        items = await backend.getMany(indexes.map((i) => keys[i] as string));
      } catch (error) {
        for (const i of indexes) entries[i] = { status: 'error', error: error as Error };
        return;
      }
      indexes.forEach((i, j) => {
        const item = items[j];
        entries[i] =
          item === undefined
            ? { status: 'miss' }
            : {
                status: 'hit',
                item,
                token: tokenOf(item, keys[i] as string, backend, epoch, topology),
              };
      });
    }),
  );
  return entries;
}
