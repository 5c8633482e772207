import { afterAll, beforeAll } from 'vitest';
import { startMemcached, type MemcachedNode, type MemcachedNodeOptions } from './memcached-node.js';

/**
 * Starts `count` memcached nodes before the file's tests and stops them after,
 * whatever the tests did. Read the nodes inside tests or hooks.
 */
export function useMemcached(
  count = 1,
  options: MemcachedNodeOptions = {},
): { readonly nodes: MemcachedNode[] } {
  const holder = { nodes: [] as MemcachedNode[] };
  beforeAll(async () => {
    holder.nodes = await startMemcached(count, options);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(holder.nodes.map((n) => n.stop()));
  });
  return holder;
}
