import { afterEach } from 'vitest';
import { createClient, type Client, type ClientOptions } from '../../src/index.js';
import type { MemcachedNode, MemcachedNodeOptions } from './memcached-node.js';
import { useMemcached } from './use-memcached.js';

/**
 * One memcached node for the file's tests (see {@link useMemcached}) and the
 * clients the tests open on it, closed after each test (the node resumed
 * first, should a test have paused it).
 * @param nodeOptions - how to start the node
 * @param clientDefaults - options every client opened gets (a test's own win)
 */
export function useNodeClients(
  nodeOptions: MemcachedNodeOptions = {},
  clientDefaults: ClientOptions = {},
): { readonly node: MemcachedNode; open(options?: ClientOptions): Client } {
  const cluster = useMemcached(1, nodeOptions);
  const clients: Client[] = [];
  afterEach(async () => {
    cluster.nodes[0]?.resume();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  return {
    get node(): MemcachedNode {
      return cluster.nodes[0]!;
    },
    open(options: ClientOptions = {}): Client {
      const client = createClient({
        servers: [cluster.nodes[0]!.address],
        ...clientDefaults,
        ...options,
      });
      clients.push(client);
      return client;
    },
  };
}
