import { describe, expect, it } from 'vitest';
import type { BackendObserver } from '../../../src/backend/index.js';
import { MemoryStore } from '../../../src/backend/index.js';
import {
  ClusterTopology,
  resolveClusterOptions,
  type ClusterNode,
  type NodeStateChange,
} from '../../../src/cluster/index.js';
import { ConnectionError, NodeUnavailableError } from '../../../src/errors/index.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

/** A node whose flush the test answers when it chooses, and whose deletes are counted. */
class Node extends MemoryStore {
  observer: BackendObserver | undefined;
  readonly deleted: string[] = [];
  private release: (() => void) | undefined;
  holdFlush = false;
  flushes = 0;

  override flush(): Promise<void> {
    this.flushes++;
    if (!this.holdFlush) return super.flush();
    // Flushed when answered, as memcached would have before its answer.
    return new Promise((resolve) => (this.release = () => void super.flush().then(resolve)));
  }

  override delete(key: string, cas: bigint): ReturnType<MemoryStore['delete']> {
    this.deleted.push(key);
    return super.delete(key, cas);
  }

  /** Answers the flush held. */
  answerFlush(): void {
    this.release?.();
  }

  /** Two failures of the node itself: marked down at the default threshold. */
  fail(): void {
    for (let i = 0; i < 2; i++)
      this.observer?.finish('get', undefined, new ConnectionError('n', 'refused'));
  }
}

function clusterNode(address: string, backend: Node): ClusterNode {
  return {
    address,
    weight: 1,
    connect: (observer) => {
      backend.observer = observer;
      return backend;
    },
  };
}

describe('ClusterTopology membership', () => {
  it("a probe still under way when its node leaves changes nothing of the node that rejoins under the same address ('rehash')", async () => {
    const clock = new ManualClock();
    const changes: NodeStateChange[] = [];
    const nodes = { a: new Node(), b: new Node(), c: new Node() };
    const topology = new ClusterTopology(
      Object.entries(nodes).map(([name, n]) => clusterNode(`${name}:11211`, n)),
      resolveClusterOptions({
        onNodeDown: 'rehash',
        fallbackTtlSeconds: 0,
        onNodeStateChange: (c) => changes.push(c),
      }),
      clock,
    );
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find(
      (k) => topology.owner(k) === 'a:11211',
    )!;
    // a goes down; its probe answers the NOOP and is flushing it when a leaves.
    nodes.a.holdFlush = true;
    nodes.a.fail();
    await clock.advanceToNext();
    await topology.remove('a:11211');
    // a rejoins (a new connection; flushed before it serves) and goes down too: its key is
    // written to a fallback node.
    const again = new Node();
    topology.add(clusterNode('a:11211', again));
    await settle();
    again.fail();
    const fallback = topology.route(key, true);
    await fallback.store({ mode: 'set', key, value: Buffer.from('v2'), flags: 0, ttl: 0, cas: 0n });
    const epoch = topology.epoch;
    changes.length = 0;
    // The old probe ends: it must not report the new a up, nor delete the copy a's keys live in now.
    nodes.a.answerFlush();
    await settle();
    expect(changes).toEqual([]);
    expect(topology.epoch).toBe(epoch);
    expect(topology.describe().find((n) => n.address === 'a:11211')?.state).toBe('down');
    expect(nodes.b.deleted.concat(nodes.c.deleted)).toEqual([]);
    expect(await topology.route(key).get(key)).toBeDefined();
    await topology.close();
  });

  it("under 'rehash' a node that joins again is held out, its keys on the next node, until it is flushed; the first membership is not flushed", async () => {
    const changes: NodeStateChange[] = [];
    const nodes = { a: new Node(), b: new Node(), c: new Node() };
    const topology = new ClusterTopology(
      [],
      resolveClusterOptions({
        onNodeDown: 'rehash',
        fallbackTtlSeconds: 0,
        onNodeStateChange: (c) => changes.push(c),
      }),
      new ManualClock(),
    );
    const listed = (a: Node): ClusterNode[] => [
      clusterNode('a:11211', a),
      clusterNode('b:11211', nodes.b),
      clusterNode('c:11211', nodes.c),
    ];
    // Discovery's first answer is the membership the cluster starts from: nothing is flushed.
    topology.reconcile(listed(nodes.a));
    expect([nodes.a, nodes.b, nodes.c].map((n) => n.flushes)).toEqual([0, 0, 0]);
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find(
      (k) => topology.owner(k) === 'a:11211',
    )!;
    const set = (value: string) =>
      topology
        .route(key, true)
        .store({ mode: 'set', key, value: Buffer.from(value), flags: 0, ttl: 0, cas: 0n });
    await set('v1');
    topology.reconcile([clusterNode('b:11211', nodes.b), clusterNode('c:11211', nodes.c)]);
    await set('v2');
    // a is listed again: the same memcached, still holding v1 (a new connection to it).
    const again = new Node();
    await again.store({ mode: 'set', key, value: Buffer.from('v1'), flags: 0, ttl: 0, cas: 0n });
    again.holdFlush = true;
    topology.reconcile(listed(again));
    expect(again.flushes).toBe(1);
    expect(topology.route(key)).not.toBe(again);
    expect((await topology.route(key).get(key))?.value.toString()).toBe('v2');
    const epoch = topology.epoch;
    again.answerFlush();
    await settle();
    expect(topology.route(key)).toBe(again);
    expect(await topology.route(key).get(key)).toBeUndefined();
    // Tokens read from the node that stood in for it are void.
    expect(topology.epoch).toBeGreaterThan(epoch);
    expect(topology.describe().map((n) => n.state)).toEqual(['up', 'up', 'up']);
    expect(changes).toEqual([]);
    expect([nodes.b, nodes.c].map((n) => n.flushes)).toEqual([0, 0]);
    await topology.close();
  });

  it("under 'rehash', while the only node is being flushed before it joins, calls say so (not 'every node is marked down')", async () => {
    const lone = new Node();
    const topology = new ClusterTopology(
      [],
      resolveClusterOptions({ onNodeDown: 'rehash', fallbackTtlSeconds: 0 }),
      new ManualClock(),
    );
    topology.reconcile([clusterNode('b:11211', new Node())]);
    lone.holdFlush = true;
    topology.reconcile([clusterNode('a:11211', lone)]);
    await settle();
    expect(() => topology.route('k', false, 'get')).toThrow(NodeUnavailableError);
    expect(() => topology.route('k', false, 'get')).toThrow(/being flushed/);
    lone.answerFlush();
    await settle();
    expect(topology.route('k')).toBe(lone);
    await topology.close();
  });
});
