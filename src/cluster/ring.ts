import HashRing from 'hashring';

/** A node on the ring. */
export interface RingNode {
  /** `host:port`. */
  readonly address: string;
  /** Relative share of keys. */
  readonly weight: number;
}

/**
 * The consistent-hashing ring: libmemcached's weighted ketama (md5, 160 points
 * per node scaled by weight), via `hashring`. Placement is identical to
 * pylibmc with `ketama_weighted`, PHP's libketama-compatible mode and node's
 * `memcached` for the same server list, so services in other languages find
 * every key on the same node.
 */
export class Ring {
  private readonly ring: HashRing;
  private readonly weights = new Map<string, number>();

  /** @param nodes - the nodes and their weights */
  constructor(nodes: readonly RingNode[]) {
    for (const n of nodes) this.weights.set(n.address, n.weight);
    // libmemcached hashes "host-i" (no port) for servers on the default port.
    this.ring = new HashRing(this.servers(), 'md5', { 'default port': 11211 });
  }

  /** The node that owns a key. */
  owner(key: string): string | undefined {
    return this.ring.get(key);
  }

  /** Every node, in ring order starting at the key's owner. */
  successors(key: string): string[] {
    return this.ring.range(key, this.weights.size, true);
  }

  /** Adds a node; only keys that now hash to it move. */
  add(node: RingNode): void {
    this.weights.set(node.address, node.weight);
    this.ring.add({ [node.address]: { weight: node.weight } });
  }

  /** Removes a node; only its keys move. */
  remove(address: string): void {
    this.weights.delete(address);
    this.ring.remove(address);
  }

  /** Number of nodes. */
  get size(): number {
    return this.weights.size;
  }

  private servers(): Record<string, { weight: number }> {
    return Object.fromEntries([...this.weights].map(([address, weight]) => [address, { weight }]));
  }
}
