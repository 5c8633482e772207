import { hash } from 'node:crypto';

/** A node on the ring. */
export interface RingNode {
  /** `host:port`. */
  readonly address: string;
  /** Relative share of keys. */
  readonly weight: number;
}

/** Points per node at equal weights (libketama's 160), 4 from each hash. */
const POINTS_PER_NODE = 160;
const POINTS_PER_HASH = 4;
/** libmemcached leaves the port out of a node's point names when it is the default one. */
const DEFAULT_PORT = 11211;
/** Owners remembered between lookups (the md5 of a key costs more than the rest of routing). */
const OWNER_CACHE_SIZE = 5000;
/** A point's position in the sort: its value, then its node's rank (ties keep node order). */
const RANK_BITS = 2 ** 21;

/**
 * The consistent-hashing ring: libmemcached's weighted ketama (md5, 160
 * points per node scaled by weight). Placement is identical to pylibmc with
 * `ketama_weighted`, PHP's libketama-compatible mode and node's `memcached`
 * for the same server list, so services in other languages find every key on
 * the same node. It is also `hashring` 3.2.0's (which memcas used before),
 * except where hashring's arithmetic gives a node one hash fewer than
 * libmemcached (see `hashCounts`: 7 equal nodes, for one).
 *
 * A node's points are hashed once, when it joins; a membership change then
 * only sorts the points again (one typed-array sort, no md5), which keeps a
 * change on a ring of 1,000 nodes to a few milliseconds.
 */
export class Ring {
  /** Weights by address, in the order the nodes joined (ties on the ring go to the earlier one). */
  private readonly weights = new Map<string, number>();
  /** Each node's points, as many as it has had (more are hashed if its share grows). */
  private readonly pointsOf = new Map<string, Uint32Array>();
  /** Point values, ascending. */
  private values = new Uint32Array(0);
  /** The node (index into `order`) of each point. */
  private owners = new Uint32Array(0);
  private order: string[] = [];
  /** Hashes each node has on the ring now. */
  private lengths = new Map<string, number>();
  private readonly cache = new Map<string, string>();

  /** @param nodes - the nodes and their weights */
  constructor(nodes: readonly RingNode[]) {
    this.change(nodes, []);
  }

  /** The node that owns a key. */
  owner(key: string): string | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (this.values.length === 0) return undefined;
    const owner = this.order[this.owners[this.find(key)] as number];
    if (this.cache.size >= OWNER_CACHE_SIZE) this.cache.clear();
    this.cache.set(key, owner as string);
    return owner;
  }

  /** Every node once, in ring order starting at the key's owner (lazily: stop when one suits). */
  *successors(key: string): Generator<string, void, undefined> {
    const n = this.values.length;
    if (n === 0) return;
    const seen = new Set<number>();
    const start = this.find(key);
    for (let i = 0; i < n && seen.size < this.order.length; i++) {
      const rank = this.owners[(start + i) % n] as number;
      if (seen.has(rank)) continue;
      seen.add(rank);
      yield this.order[rank] as string;
    }
  }

  /** Adds a node; only keys that now hash to it move. */
  add(node: RingNode): void {
    this.change([node], []);
  }

  /** Removes a node; only its keys move. */
  remove(address: string): void {
    this.change([], [address]);
  }

  /**
   * Adds and removes nodes with one rebuild of the ring (a removed address may
   * be added back, at the end of the order, as `hashring` did).
   */
  change(adding: readonly RingNode[], removing: readonly string[]): void {
    const before = this.order;
    const gone = new Set(removing);
    for (const address of removing) {
      this.weights.delete(address);
      this.pointsOf.delete(address);
    }
    for (const n of adding) {
      gone.add(n.address);
      this.weights.delete(n.address);
      this.weights.set(n.address, n.weight);
    }
    this.cache.clear();
    this.order = [...this.weights.keys()];
    const lengths = this.hashCounts();
    // The usual change (equal weights): the nodes that stay keep their points, so
    // drop the leavers' points and merge the joiners' in, instead of sorting all.
    const kept = before.filter((a) => !gone.has(a));
    const incremental =
      before.length > 0 &&
      kept.every((a, rank) => this.order[rank] === a && lengths.get(a) === this.lengths.get(a));
    this.lengths = lengths;
    if (incremental) this.merge(before, gone, kept.length);
    else this.rebuild();
  }

  /** Number of nodes. */
  get size(): number {
    return this.weights.size;
  }

  /**
   * The continuum as libketama (and hashring) builds it: node `s` gets
   * floor(weight/total × 40 × nodes) hashes of `"<address>-<i>"` (of
   * `"<host>-<i>"` on the default port), 4 points from each md5.
   */
  private rebuild(): void {
    const packed = this.packed(0);
    packed.sort();
    this.values = new Uint32Array(packed.length);
    this.owners = new Uint32Array(packed.length);
    for (let p = 0; p < packed.length; p++) {
      const v = Math.floor((packed[p] as number) / RANK_BITS);
      this.values[p] = v;
      this.owners[p] = (packed[p] as number) - v * RANK_BITS;
    }
  }

  /**
   * The ring after a change where the `kept` first nodes of the new order
   * were on it before with the same number of points: their points stay in
   * place (ranks renumbered past the leavers), and the joiners' points, all of
   * a higher rank, are merged in (a tie goes to the earlier node, as in a
   * stable sort).
   */
  private merge(before: readonly string[], gone: ReadonlySet<string>, kept: number): void {
    const rankNow = new Int32Array(before.length);
    let next = 0;
    before.forEach((a, rank) => (rankNow[rank] = gone.has(a) ? -1 : next++));
    const joining = this.packed(kept);
    joining.sort();
    const oldValues = this.values;
    const oldOwners = this.owners;
    let size = joining.length;
    for (let p = 0; p < oldOwners.length; p++)
      if ((rankNow[oldOwners[p] as number] as number) >= 0) size++;
    const values = new Uint32Array(size);
    const owners = new Uint32Array(size);
    let i = 0;
    let j = 0;
    let k = 0;
    while (k < size) {
      // Skip the points of nodes that left.
      while (i < oldValues.length && (rankNow[oldOwners[i] as number] as number) < 0) i++;
      const v = j < joining.length ? Math.floor((joining[j] as number) / RANK_BITS) : Infinity;
      if (i < oldValues.length && (oldValues[i] as number) <= v) {
        values[k] = oldValues[i] as number;
        owners[k++] = rankNow[oldOwners[i++] as number] as number;
      } else {
        values[k] = v;
        owners[k++] = (joining[j++] as number) - v * RANK_BITS;
      }
    }
    this.values = values;
    this.owners = owners;
  }

  /**
   * How many hashes each node gets: floor(weight/total × 40 × nodes) in
   * libmemcached's single-precision arithmetic (`float`, plus 1e-10 before the
   * floor), so the same counts as libmemcached. hashring computes it in
   * doubles, which can come out just under a whole number: with 7 equal nodes
   * it gives each 39 hashes where libmemcached gives 40.
   */
  private hashCounts(): Map<string, number> {
    const f = Math.fround;
    const count = f(this.order.length);
    let total = 0;
    for (const w of this.weights.values()) total += w;
    return new Map(
      this.order.map((a) => {
        const pct = f(f(this.weights.get(a) as number) / f(total));
        const x = f(f(f(pct * POINTS_PER_NODE) / POINTS_PER_HASH) * count);
        return [a, Math.floor(f(x + 0.0000000001))];
      }),
    );
  }

  /** The points of the nodes from rank `from` on, each as value × 2^21 + rank, unsorted. */
  private packed(from: number): Float64Array {
    let size = 0;
    for (let rank = from; rank < this.order.length; rank++) {
      size += (this.lengths.get(this.order[rank] as string) as number) * POINTS_PER_HASH;
    }
    const packed = new Float64Array(size);
    let at = 0;
    for (let rank = from; rank < this.order.length; rank++) {
      const address = this.order[rank] as string;
      const n = (this.lengths.get(address) as number) * POINTS_PER_HASH;
      const points = this.points(address, n / POINTS_PER_HASH);
      for (let p = 0; p < n; p++) packed[at++] = (points[p] as number) * RANK_BITS + rank;
    }
    return packed;
  }

  /** The first `hashes` × 4 points of a node, hashed once and kept. */
  private points(address: string, hashes: number): Uint32Array {
    const known = this.pointsOf.get(address);
    if (known !== undefined && known.length >= hashes * POINTS_PER_HASH) return known;
    const points = new Uint32Array(hashes * POINTS_PER_HASH);
    const [host, port] = address.split(':');
    // connection-parse's reading of "host:port", which hashring hashed by.
    const name = Number(port) === DEFAULT_PORT ? host : address;
    for (let i = 0; i < hashes; i++) {
      const digest = hash('md5', `${name}-${i}`, 'buffer');
      for (let j = 0; j < POINTS_PER_HASH; j++) {
        points[i * POINTS_PER_HASH + j] = digest.readUInt32LE(j * 4);
      }
    }
    this.pointsOf.set(address, points);
    return points;
  }

  /** The first point at or after the key's hash, wrapping to the start (libketama's search). */
  private find(key: string): number {
    const h = hash('md5', key, 'buffer').readUInt32LE(0);
    const values = this.values;
    let low = 0;
    let high = values.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((values[mid] as number) < h) low = mid + 1;
      else high = mid;
    }
    return low === values.length ? 0 : low;
  }
}
