import type { Backend } from '../backend/index.js';

/** One node as the cluster sees it. */
export interface NodeInfo {
  /** `host:port` (or `memory`). */
  readonly address: string;
  /** Relative share of keys. */
  readonly weight: number;
  /** Whether it is routed to. */
  readonly state: 'up' | 'down';
}

/**
 * Where keys live: the client asks it for the backend owning a (full) key.
 */
export interface Topology {
  /**
   * Rises whenever a key may change owner: a node added or removed, or
   * (under `'rehash'`) a node marked down or back up. CAS tokens read under
   * an older epoch are not honoured.
   */
  readonly epoch: number;
  /**
   * The backend to use for a full key now. `write` says the caller will
   * change the key there; `op` names the caller's operation in errors.
   * Throws {@link NodeUnavailableError} when there is none.
   */
  route(key: string, write?: boolean, op?: string): Backend;
  /** The node that owns a full key on the ring, whatever its state. */
  owner(key: string): string;
  /** Every backend, for per-node commands (flush, stats, version). */
  nodes(): readonly Backend[];
  /** Every node with its state. */
  describe(): NodeInfo[];
  /** Closes every backend. */
  close(): Promise<void>;
}

/** The topology of the embedded store: one backend, always up. */
export class SingleNodeTopology implements Topology {
  /** Never changes: keys cannot move. */
  readonly epoch = 0;

  /** @param backend - the one backend */
  constructor(private readonly backend: Backend) {}

  route(): Backend {
    return this.backend;
  }

  owner(): string {
    return this.backend.address;
  }

  nodes(): readonly Backend[] {
    return [this.backend];
  }

  describe(): NodeInfo[] {
    return [{ address: this.backend.address, weight: 1, state: 'up' }];
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
