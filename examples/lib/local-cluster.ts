import { MemoryStore, type ClientOptions } from 'memcas';
import { startLocalMemcached, stopLocalMemcached, type LocalMemcached } from './local-memcached.js';

/** Where an example runs: local memcached nodes it started, or the embedded store. */
export interface ExampleCluster {
  /** Client options reaching it. */
  readonly options: ClientOptions;
  /** The memcached nodes; empty on the embedded store. */
  readonly nodes: readonly LocalMemcached[];
  /** Stops what was started. */
  stop(): Promise<void>;
}

/**
 * Starts `count` local memcached nodes, or falls back to one embedded store
 * (shared by every client of the example) when memcached is not available,
 * and says which on the first line.
 */
export async function localCluster(count: number): Promise<ExampleCluster> {
  try {
    const nodes = await startLocalMemcached(count);
    console.log(`local memcached: ${nodes.map((n) => n.address).join(', ')}`);
    return {
      options: { servers: nodes.map((n) => n.address) },
      nodes,
      stop: () => stopLocalMemcached(nodes),
    };
  } catch (err) {
    console.log(`${(err as Error).message}\nrunning on the embedded in-process store instead`);
    return { options: { memory: new MemoryStore() }, nodes: [], stop: async () => {} };
  }
}
