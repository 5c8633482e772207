import type { Backend, BackendObserver } from '../backend/index.js';
import { NodeUnavailableError, InvalidArgumentError } from '../errors/index.js';
import { systemClock, type Clock } from '../clock/index.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { FallbackBackend } from './fallback-backend.js';
import { FallbackWrites } from './fallback-writes.js';
import { isNodeFailure } from './node-failure.js';
import { NodeHealth } from './node-health.js';
import { Ring, type RingNode } from './ring.js';
import type { NodeInfo, Topology } from './topology.js';

/** A node to add: where it is, its weight, and how to connect to it. */
export interface ClusterNode extends RingNode {
  /**
   * Where it connects, when that differs from `address` (a discovered node
   * named by its hostname, reached at its IP). A node listed again under the
   * same address but a new target is replaced.
   * @defaultValue `address`
   */
  readonly connectsTo?: string;
  /** Makes the node's backend, which must tell `observer` about every operation. */
  readonly connect: (observer: BackendObserver) => Backend;
  /** Also told about every operation of the node (telemetry), after the cluster. */
  readonly observer?: BackendObserver;
}

/** One node of the cluster. */
interface Member {
  readonly address: string;
  readonly weight: number;
  readonly connectsTo: string;
  readonly backend: Backend;
  /** The backend that keys rerouted here use: TTLs capped under 'rehash'. */
  readonly rerouted: Backend;
  readonly health: NodeHealth;
}

/**
 * memcached nodes on a ketama ring, with health tracking and the failure
 * policy. As in ioredis, it is built from ordinary single-node backends that
 * do no recovery of their own: marking down, probing and rejoining live here.
 */
export class ClusterTopology implements Topology {
  private readonly ring: Ring;
  private readonly members = new Map<string, Member>();
  /** Cancels the probes scheduled. */
  private readonly timers = new Set<() => void>();
  /** The member when there is exactly one. */
  private only: Member | undefined;
  /** Keys written to a fallback node while their owner was down ('rehash'). */
  private readonly fallbackWrites = new FallbackWrites<Member>();
  private closed = false;
  /** Nodes that left and are closing once their requests in flight settle. */
  private readonly leaving = new Set<Promise<void>>();
  /** Whether discovery's first list (the membership the cluster starts from) was applied. */
  private reconciled = false;
  /** See {@link Topology.epoch}. */
  epoch = 0;

  /**
   * @param nodes - the initial nodes
   * @param options - failure policy and health settings
   * @param clock - the clock for health and probes
   */
  constructor(
    nodes: readonly ClusterNode[],
    private readonly options: ResolvedClusterOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.ring = new Ring(nodes);
    for (const n of nodes) this.join(n);
  }

  route(key: string, write = false, op = 'request'): Backend {
    // One node: no ring to consult (hashring's md5 and LRU cost more than the rest of routing).
    if (this.only !== undefined && this.only.health.state === 'up') return this.only.backend;
    const owner = this.owner(key);
    const member = this.members.get(owner);
    if (member === undefined) {
      const why = this.options.discovery
        ? `memcas has no memcached servers yet: the discovery endpoint ${this.options.discovery.endpoint.address} has not answered (await client.ready())`
        : 'memcas has no memcached servers';
      throw new NodeUnavailableError(owner, `${what(op, key)}: ${why}`);
    }
    if (member.health.state === 'up') return member.backend;
    if (this.options.onNodeDown === 'fail') throw this.unavailable(member, op, key);
    for (const address of this.ring.successors(key)) {
      const next = this.members.get(address);
      if (next?.health.state !== 'up') continue;
      if (write) this.fallbackWrites.note(owner, key, next);
      return next.rerouted;
    }
    if (member.health.joining) throw this.unavailable(member, op, key);
    throw new NodeUnavailableError(
      owner,
      `${what(op, key)}: every memcached node is marked down; probes continue every ${this.options.retryAfterMs} ms`,
    );
  }

  owner(key: string): string {
    return this.ring.owner(key) ?? 'none';
  }

  /** Number of nodes: a key can change owner only when there are several. */
  get size(): number {
    return this.members.size;
  }

  nodes(): readonly Backend[] {
    return [...this.members.values()].map((m) => m.backend);
  }

  describe(): NodeInfo[] {
    return [...this.members.values()].map((m) => ({
      address: m.address,
      weight: m.weight,
      state: m.health.state,
    }));
  }

  /** Adds a node at run time: only the keys that now hash to it move. */
  add(node: ClusterNode): void {
    if (this.members.has(node.address))
      throw new InvalidArgumentError(`${node.address} is already in the cluster`);
    void this.change([node], [], true);
  }

  /** Removes a node at run time: only its keys move. Its connection closes once in-flight requests settle. */
  async remove(address: string): Promise<void> {
    const member = this.members.get(address);
    if (!member) throw new InvalidArgumentError(`${address} is not in the cluster`);
    await this.change([], [member], true);
  }

  /**
   * Makes the membership exactly `nodes` (discovery): listed nodes not yet in
   * join, nodes no longer listed leave, and a node listed with a new weight or
   * target is replaced. It goes through the same path as {@link add} and
   * {@link remove}: one ring rebuild and one epoch step for the whole change.
   * Leaving nodes close once their requests in flight settle.
   * @returns the addresses that joined and left (a replaced node is in both)
   */
  reconcile(nodes: readonly ClusterNode[]): { added: string[]; removed: string[] } {
    // Discovery never applies an empty list; the ring is never emptied.
    if (nodes.length === 0) throw new InvalidArgumentError('reconcile: no nodes listed');
    const listed = new Map(nodes.map((n) => [n.address, n]));
    const leaving = [...this.members.values()].filter((m) => {
      const n = listed.get(m.address);
      return (
        n === undefined || n.weight !== m.weight || (n.connectsTo ?? n.address) !== m.connectsTo
      );
    });
    const joining = nodes.filter((n) => {
      const m = this.members.get(n.address);
      return m === undefined || leaving.includes(m);
    });
    // The first list is where the cluster starts: flushing its nodes would
    // empty the cache each time a process starts. Later joiners are flushed.
    const atRunTime = this.reconciled;
    this.reconciled = true;
    if (joining.length > 0 || leaving.length > 0) void this.change(joining, leaving, atRunTime);
    return { added: joining.map((n) => n.address), removed: leaving.map((m) => m.address) };
  }

  /**
   * The one path of every membership change: the ring is rebuilt once, the
   * epoch steps (so CAS tokens read before never write elsewhere), and leaving
   * nodes close once their requests in flight have settled. Under 'rehash',
   * nodes that join at run time serve only once flushed (see {@link admit}).
   */
  private async change(
    joining: readonly ClusterNode[],
    leaving: readonly Member[],
    atRunTime: boolean,
  ): Promise<void> {
    for (const m of leaving) {
      this.members.delete(m.address);
      // Its fallback copies (under 'rehash') are no longer this client's to delete.
      this.fallbackWrites.take(m.address);
    }
    this.ring.change(
      joining,
      leaving.map((m) => m.address),
    );
    const flushFirst = atRunTime && this.options.onNodeDown === 'rehash';
    for (const n of joining) {
      const member = this.join(n);
      if (flushFirst) void this.admit(member);
    }
    this.epoch++;
    this.only = this.members.size === 1 ? this.members.values().next().value : undefined;
    if (leaving.length === 0) return;
    const closing = Promise.all(leaving.map((m) => m.backend.close().catch(() => undefined))).then(
      () => undefined,
    );
    this.leaving.add(closing);
    try {
      await closing;
    } finally {
      this.leaving.delete(closing);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    await Promise.all([...this.nodes().map((n) => n.close()), ...this.leaving]);
  }

  private join(node: ClusterNode): Member {
    const health = new NodeHealth(this.options.failureThreshold, this.options.retryAfterMs, () =>
      this.clock.now(),
    );
    // The node's operations report here how they ended: health first, then telemetry.
    const also = node.observer;
    const backend = node.connect({
      start: (op, batchSize) => also?.start(op, batchSize),
      finish: (op, token, error) => {
        if (error === undefined) health.success();
        else this.recordFailure(member, error);
        also?.finish(op, token, error);
      },
      conflict: (op) => also?.conflict(op),
    });
    const cap = this.options.fallbackTtlSeconds;
    const member: Member = {
      address: node.address,
      weight: node.weight,
      connectsTo: node.connectsTo ?? node.address,
      health,
      backend,
      rerouted: cap > 0 ? new FallbackBackend(backend, cap) : backend,
    };
    this.members.set(node.address, member);
    this.only = this.members.size === 1 ? member : undefined;
    return member;
  }

  /**
   * Under 'rehash', a node that joins at run time may be one that left (from
   * discovery's list, or by removeServer) and still holds what it had then,
   * while other nodes took its keys and wrote newer values. As after a probe,
   * it is held out of routing, its keys on the next nodes, until its flush
   * answers; if the flush fails, it is down and probes flush it before it rejoins.
   */
  private async admit(member: Member): Promise<void> {
    member.health.holdOut();
    try {
      await member.backend.flush();
    } catch (error) {
      if (!this.isMember(member)) return;
      const cause = error instanceof Error ? error.message : String(error);
      this.notify(member.address, 'down', `its flush before joining failed (${cause})`);
      this.scheduleProbe(member);
      return;
    }
    this.readmit(member);
  }

  /** Whether `member` is still the node at its address of an open cluster. */
  private isMember(member: Member): boolean {
    return !this.closed && this.members.get(member.address) === member;
  }

  /**
   * A node held out (joining, or down and probed) answered, flushed under
   * 'rehash': it serves again; under 'rehash' tokens read from the nodes that
   * stood in for it are void, and this client's copies on them are dropped.
   * False when it left meanwhile (its address may be another member's now).
   */
  private readmit(member: Member): boolean {
    if (!this.isMember(member)) return false;
    member.health.recovered();
    if (this.options.onNodeDown === 'rehash') this.epoch++;
    this.dropFallbackCopies(member.address);
    return true;
  }

  /**
   * The one place a node is marked down: a failure of one of its operations
   * (refused, reset, no answer; a definite answer from memcached never counts).
   */
  private recordFailure(member: Member, error: unknown): void {
    if (!isNodeFailure(error) || !member.health.failure(error)) return;
    this.markedDown(member);
  }

  private markedDown(member: Member): void {
    // Under 'rehash' the node's keys now live elsewhere.
    if (this.options.onNodeDown === 'rehash') this.epoch++;
    const cause = member.health.lastError?.message ?? 'unknown failure';
    this.notify(
      member.address,
      'down',
      `${member.health.failureThreshold} consecutive failures (last: ${cause})`,
    );
    this.scheduleProbe(member);
  }

  private scheduleProbe(member: Member): void {
    if (this.closed) return;
    const cancel = this.clock.setTimer(
      member.health.nextProbeInMs(),
      () => {
        this.timers.delete(cancel);
        void this.probe(member);
      },
      true,
    );
    this.timers.add(cancel);
  }

  private async probe(member: Member): Promise<void> {
    if (!this.isMember(member)) return;
    member.health.probing();
    try {
      await member.backend.noop();
      // Under 'rehash' the node's keys lived elsewhere while it was down; what
      // it still holds from before (after a pause or a partition) is stale.
      // Flush it while it is still marked down, so no one reads it.
      if (this.options.onNodeDown === 'rehash') await member.backend.flush();
    } catch {
      this.scheduleProbe(member);
      return;
    }
    if (!this.readmit(member)) return;
    const flushed = this.options.onNodeDown === 'rehash' ? '; flushed before rejoining' : '';
    this.notify(member.address, 'up', `a probe answered${flushed}`);
  }

  /**
   * The copies written to fallback nodes while `owner` was down would be read
   * again, stale, if it failed again: delete them now that it is back. Best
   * effort, and only for this client's own writes (see docs/sharding.md).
   */
  private dropFallbackCopies(owner: string): void {
    for (const [key, fallback] of this.fallbackWrites.take(owner)) {
      // Unless the ring has since made that node the key's owner.
      if (
        this.ring.owner(key) === fallback.address ||
        this.members.get(fallback.address) !== fallback
      )
        continue;
      fallback.backend.delete(key, 0n).catch(() => undefined);
    }
  }

  private unavailable(member: Member, op: string, key: string): NodeUnavailableError {
    const h = member.health;
    if (h.joining) {
      return new NodeUnavailableError(
        member.address,
        `${what(op, key)} not sent: memcached ${member.address} has just joined and is being ` +
          'flushed (it may hold values from before it left), and no other node is up to stand in',
      );
    }
    const last = h.lastError === undefined ? '' : ` (the last: ${h.lastError.name})`;
    return new NodeUnavailableError(
      member.address,
      `${what(op, key)} not sent: memcached ${member.address} is marked down after ` +
        `${h.failureThreshold} consecutive failures${last}; its keys fail fast until a probe ` +
        `answers (next in ${Math.round(h.nextProbeInMs())} ms)`,
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

/** An operation on a key, for messages. */
function what(op: string, key: string): string {
  return `${op} ${JSON.stringify(key)}`;
}
