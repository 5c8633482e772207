import type { ClientOptions } from '../../src/index.js';
import { MemoryStore } from '../../src/index.js';
import {
  startMemcached,
  stopAllMemcached,
  type MemcachedNode,
} from '../../test/helpers/memcached-node.js';

/** Where an example runs: local memcached nodes it started, or the embedded store. */
export interface ExampleCluster {
  /** Client options reaching it. */
  readonly options: ClientOptions;
  /** The memcached nodes, when there are any. */
  readonly nodes: readonly MemcachedNode[];
  /** Stops what was started. */
  stop(): Promise<void>;
}

/**
 * Starts `count` local memcached nodes, or falls back to one embedded store
 * (shared by every client of the example) when memcached is not available.
 */
export async function localCluster(count: number): Promise<ExampleCluster> {
  try {
    const nodes = await startMemcached(count);
    console.log(`local memcached: ${nodes.map((n) => n.address).join(', ')}`);
    return { options: { servers: nodes.map((n) => n.address) }, nodes, stop: stopAllMemcached };
  } catch (err) {
    console.log(
      `memcached is not available (${(err as Error).message.split('\n')[0]}): using the embedded store`,
    );
    return { options: { memory: new MemoryStore() }, nodes: [], stop: async () => {} };
  }
}
