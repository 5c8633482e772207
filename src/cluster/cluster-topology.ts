import type { Backend } from '../backend/index.js';
import { NodeUnavailableError } from '../errors/index.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { GuardedBackend } from './guarded-backend.js';
import { NodeHealth } from './node-health.js';
import { Ring, type RingNode } from './ring.js';
import type { NodeInfo, Topology } from './topology.js';

/** A node to add: where it is and its weight. */
export interface ClusterNode extends RingNode {
  /** Makes the node's backend. */
  readonly connect: () => Backend;
}

/**
 * memcached nodes on a ketama ring, with health tracking and the failure
 * policy. As in ioredis, it is built from ordinary single-node backends that
 * do no recovery of their own: marking down, probing and rejoining live here.
 */
export class ClusterTopology implements Topology {
  private readonly ring: Ring;
  private readonly members = new Map<string, { backend: GuardedBackend; weight: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /**
   * @param nodes - the initial nodes
   * @param options - failure policy and health settings
   * @param now - the monotonic clock
   */
  constructor(
    nodes: readonly ClusterNode[],
    private readonly options: ResolvedClusterOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ring = new Ring(nodes);
    for (const n of nodes) this.join(n);
  }

  route(key: string): Backend {
    const owner = this.owner(key);
    const member = this.members.get(owner);
    if (member === undefined)
      throw new NodeUnavailableError(owner, 'memcas has no memcached servers');
    if (member.backend.health.state === 'up') return member.backend;
    if (this.options.onNodeDown === 'fail') throw this.unavailable(member.backend);
    for (const address of this.ring.successors(key)) {
      const next = this.members.get(address);
      if (next?.backend.health.state === 'up') return next.backend;
    }
    throw new NodeUnavailableError(
      owner,
      `every memcached node is marked down; probes continue every ${this.options.retryAfterMs} ms`,
    );
  }

  owner(key: string): string {
    return this.ring.owner(key) ?? 'none';
  }

  nodes(): readonly Backend[] {
    return [...this.members.values()].map((m) => m.backend);
  }

  describe(): NodeInfo[] {
    return [...this.members].map(([address, m]) => ({
      address,
      weight: m.weight,
      state: m.backend.health.state,
    }));
  }

  /** Adds a node at run time: only the keys that now hash to it move. */
  add(node: ClusterNode): void {
    if (this.members.has(node.address))
      throw new TypeError(`${node.address} is already in the cluster`);
    this.join(node);
    this.ring.add(node);
  }

  /** Removes a node at run time: only its keys move. Its connection closes once in-flight requests settle. */
  async remove(address: string): Promise<void> {
    const member = this.members.get(address);
    if (!member) throw new TypeError(`${address} is not in the cluster`);
    this.ring.remove(address);
    this.members.delete(address);
    await member.backend.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.nodes().map((n) => n.close()));
  }

  private join(node: ClusterNode): void {
    const health = new NodeHealth(
      this.options.failureThreshold,
      this.options.retryAfterMs,
      this.now,
    );
    const backend = new GuardedBackend(node.connect(), health, (b) => this.markedDown(b));
    this.members.set(node.address, { backend, weight: node.weight });
  }

  private markedDown(backend: GuardedBackend): void {
    const cause = backend.health.lastError?.message ?? 'unknown failure';
    this.notify(
      backend.address,
      'down',
      `${backend.health.failureThreshold} consecutive failures (last: ${cause})`,
    );
    this.scheduleProbe(backend);
  }

  private scheduleProbe(backend: GuardedBackend): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.probe(backend);
    }, backend.health.nextProbeInMs());
    timer.unref();
    this.timers.add(timer);
  }

  private async probe(backend: GuardedBackend): Promise<void> {
    if (this.closed || this.members.get(backend.address)?.backend !== backend) return;
    backend.health.probing();
    try {
      await backend.inner.noop();
      // Under 'rehash' the node's keys lived elsewhere while it was down; what
      // it still holds from before (after a pause or a partition) is stale.
      // Flush it while it is still marked down, so no one reads it.
      if (this.options.onNodeDown === 'rehash') await backend.inner.flush();
    } catch {
      this.scheduleProbe(backend);
      return;
    }
    backend.health.recovered();
    const flushed = this.options.onNodeDown === 'rehash' ? '; flushed before rejoining' : '';
    this.notify(backend.address, 'up', `a probe answered${flushed}`);
  }

  private unavailable(backend: GuardedBackend): NodeUnavailableError {
    const h = backend.health;
    return new NodeUnavailableError(
      backend.address,
      `memcached ${backend.address} is marked down after ${h.failureThreshold} consecutive failures ` +
        `(last: ${h.lastError?.message ?? 'unknown'}); its keys fail fast until a probe answers ` +
        `(next in ${Math.round(h.nextProbeInMs())} ms)`,
      { cause: h.lastError },
    );
  }

  private notify(node: string, state: 'up' | 'down', reason: string): void {
    try {
      this.options.onNodeStateChange?.({ node, state, reason });
    } catch {
      // A listener's failure must not break routing.
    }
  }
}
