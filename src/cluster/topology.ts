import type { Backend } from '../backend/index.js';

/**
 * Where keys live: the client asks it for the backend owning a (full) key.
 * A single node or the embedded store is the simplest topology.
 */
export interface Topology {
  /** The backend owning a full key. May throw when its node is unavailable. */
  route(key: string): Backend;
  /** Every backend, for per-node commands (flush, stats, version). */
  nodes(): readonly Backend[];
  /** Closes every backend. */
  close(): Promise<void>;
}

/** A topology of one backend: one memcached node, or the embedded store. */
export class SingleNodeTopology implements Topology {
  /** @param backend - the one backend */
  constructor(private readonly backend: Backend) {}

  route(): Backend {
    return this.backend;
  }

  nodes(): readonly Backend[] {
    return [this.backend];
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
