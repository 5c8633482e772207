import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStore,
  ObservedBackend,
  type Backend,
  type BackendObserver,
} from '../../../src/backend/index.js';
import {
  CasToken,
  ClusterTopology,
  ownerSinceRead,
  resolveClusterOptions,
  Ring,
  type ClusterNode,
  type ClusterOptions,
  type NodeStateChange,
  type Topology,
} from '../../../src/cluster/index.js';
import { NodeUnavailableError, TimeoutError } from '../../../src/errors/index.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

const A = '10.0.0.1:11211';
const B = '10.0.0.2:11211';
const C = '10.0.0.3:11211';
const RETRY_AFTER_MS = 1000;

/** The first key `wanted` says yes to, given its owner with and without C on the ring. */
function keyWhere(wanted: (ownerAB: string, ownerABC: string) => boolean): string {
  const ab = new Ring([A, B].map((address) => ({ address, weight: 1 })));
  const abc = new Ring([A, B, C].map((address) => ({ address, weight: 1 })));
  for (let i = 0; i < 10_000; i++) {
    const key = `key:${i}`;
    if (wanted(ab.owner(key)!, abc.owner(key)!)) return key;
  }
  throw new Error('no such key in the first 10,000');
}

/** A key A owns that C takes once it joins. */
const MOVES_TO_C = keyWhere((before, after) => before === A && after === C);
/** A key A owns, and keeps when C joins. */
const STAYS_ON_A = keyWhere((before, after) => before === A && after === A);

/**
 * Embedded stores standing in for memcached nodes, shared by every topology
 * built here (two topologies over them are two clients of the same nodes).
 */
const stores = new Map<string, MemoryStore>();
const topologies: ClusterTopology[] = [];

/** A cluster of the given nodes, with the observer each node's backend reports to. */
function cluster(addresses: readonly string[], options: ClusterOptions = {}) {
  const observers = new Map<string, BackendObserver>();
  const backends = new Map<string, Backend>();
  const changes: NodeStateChange[] = [];
  const clock = new ManualClock();
  const node = (address: string): ClusterNode => ({
    address,
    weight: 1,
    // As a real node does: each connect makes a backend of its own that tells
    // the topology how each of its operations ended.
    connect: (observer) => {
      observers.set(address, observer);
      let store = stores.get(address);
      if (store === undefined) {
        store = new MemoryStore();
        stores.set(address, store);
      }
      const backend = new ObservedBackend(store, observer);
      backends.set(address, backend);
      return backend;
    },
  });
  const topology = new ClusterTopology(
    addresses.map(node),
    resolveClusterOptions({
      failureThreshold: 1,
      retryAfterMs: RETRY_AFTER_MS,
      onNodeStateChange: (change) => changes.push(change),
      ...options,
    }),
    clock,
  );
  topologies.push(topology);
  /** One operation on `address` found it unwell (a timeout, as a socket would report it). */
  const timeout = (address: string): void => {
    observers.get(address)!.finish('get', undefined, new TimeoutError(address, 'no answer'));
  };
  return { topology, node, timeout, changes, clock, backends };
}

/** Writes `key` where the topology routes it, then reads it back with a token, as `gets()` does. */
async function gets(topology: ClusterTopology, key: string): Promise<CasToken> {
  await topology.route(key, true, 'set').store({
    mode: 'set',
    key,
    value: Buffer.from('v'),
    flags: 0,
    ttl: 0,
    cas: 0n,
  });
  const epoch = topology.epoch;
  const origin = topology.route(key, false, 'gets');
  const item = await origin.get(key);
  return new CasToken(item!.cas, key, origin, epoch, topology);
}

afterEach(async () => {
  await Promise.all(topologies.splice(0).map((t) => t.close()));
  stores.clear();
});

describe('ownerSinceRead', () => {
  it('honours a token read from the key’s owner while nothing changes: it gives back that backend', async () => {
    const { topology } = cluster([A, B]);
    const token = await gets(topology, MOVES_TO_C);
    expect(topology.owner(MOVES_TO_C)).toBe(A);
    expect(ownerSinceRead(topology, token, 'cas')).toBe(token.origin);
    expect(ownerSinceRead(topology, token, 'cas')).toBe(token.origin);
  });

  it('refuses a token after add() of a node that takes the key', async () => {
    const { topology, node } = cluster([A, B]);
    const token = await gets(topology, MOVES_TO_C);
    topology.add(node(C));
    expect(topology.owner(MOVES_TO_C)).toBe(C);
    expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
  });

  it('refuses a token after add() of a node that does not take the key: any add raises the epoch, a conservative false conflict by design', async () => {
    const { topology, node } = cluster([A, B]);
    const token = await gets(topology, STAYS_ON_A);
    topology.add(node(C));
    expect(topology.owner(STAYS_ON_A)).toBe(A);
    expect(topology.route(STAYS_ON_A, true)).toBe(token.origin);
    expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
  });

  it('refuses a token after remove() of the node that owned the key', async () => {
    const { topology } = cluster([A, B]);
    const token = await gets(topology, STAYS_ON_A);
    await topology.remove(A);
    expect(topology.owner(STAYS_ON_A)).toBe(B);
    expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
  });

  it('refuses a token after remove() of another node, though the key stayed (the epoch rose)', async () => {
    const { topology } = cluster([A, B, C]);
    const token = await gets(topology, STAYS_ON_A);
    await topology.remove(B);
    expect(topology.route(STAYS_ON_A, true)).toBe(token.origin);
    expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
  });

  it('refuses a token after the owner is removed and added back (a new connection, a new epoch)', async () => {
    const { topology, node } = cluster([A, B]);
    const token = await gets(topology, STAYS_ON_A);
    await topology.remove(A);
    topology.add(node(A));
    expect(topology.owner(STAYS_ON_A)).toBe(A);
    expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
  });

  it('refuses a token read by another topology over the same nodes', async () => {
    const { topology: mine } = cluster([A, B]);
    const { topology: theirs } = cluster([A, B]);
    const token = await gets(theirs, STAYS_ON_A);
    expect(mine.epoch).toBe(theirs.epoch);
    expect(ownerSinceRead(mine, token, 'cas')).toBeUndefined();
    expect(ownerSinceRead(theirs, token, 'cas')).toBe(token.origin);
  });

  describe('reconcile() (membership from discovery) goes through the same path', () => {
    it('refuses a token after reconcile() adds a node that takes the key', async () => {
      const { topology, node } = cluster([A, B]);
      const token = await gets(topology, MOVES_TO_C);
      expect(topology.reconcile([A, B, C].map(node))).toEqual({ added: [C], removed: [] });
      expect(topology.owner(MOVES_TO_C)).toBe(C);
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('refuses a token after reconcile() adds a node that does not take the key (the epoch rose)', async () => {
      const { topology, node } = cluster([A, B]);
      const token = await gets(topology, STAYS_ON_A);
      topology.reconcile([A, B, C].map(node));
      expect(topology.route(STAYS_ON_A, true)).toBe(token.origin);
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('refuses a token after reconcile() drops the node that issued it', async () => {
      const { topology, node } = cluster([A, B]);
      const token = await gets(topology, STAYS_ON_A);
      expect(topology.reconcile([node(B)])).toEqual({ added: [], removed: [A] });
      expect(topology.owner(STAYS_ON_A)).toBe(B);
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('a node listed again at a new target is replaced: a new backend under the same name, tokens of the old one refused', async () => {
      const { topology, node } = cluster([A, B]);
      const token = await gets(topology, STAYS_ON_A);
      const moved = { ...node(A), connectsTo: '10.9.9.9:11211' };
      expect(topology.reconcile([moved, node(B)])).toEqual({ added: [A], removed: [A] });
      expect(topology.owner(STAYS_ON_A)).toBe(A);
      expect(topology.route(STAYS_ON_A, true)).not.toBe(token.origin);
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('the same list changes nothing: no node moves and tokens stay good', async () => {
      const { topology, node } = cluster([A, B]);
      const token = await gets(topology, STAYS_ON_A);
      const epoch = topology.epoch;
      expect(topology.reconcile([node(B), node(A)])).toEqual({ added: [], removed: [] });
      expect(topology.epoch).toBe(epoch);
      expect(ownerSinceRead(topology, token, 'cas')).toBe(token.origin);
    });

    it('never empties the ring: an empty list is refused and the nodes stay', () => {
      const { topology } = cluster([A, B]);
      expect(() => topology.reconcile([])).toThrow(/no nodes/);
      expect(topology.describe().map((n) => n.address)).toEqual([A, B]);
    });

    it('one reconcile() is one epoch step, however many nodes join and leave', async () => {
      const { topology, node } = cluster([A, B]);
      const epoch = topology.epoch;
      topology.reconcile([node(C), node('10.0.0.4:11211'), node('10.0.0.5:11211')]);
      expect(topology.epoch).toBe(epoch + 1);
      expect(topology.describe().map((n) => n.address)).toEqual([
        C,
        '10.0.0.4:11211',
        '10.0.0.5:11211',
      ]);
    });
  });

  describe("under onNodeDown: 'rehash'", () => {
    /** Moves the clock past the probe interval and lets the probe run. */
    async function probeAnswers(clock: ManualClock): Promise<void> {
      await clock.advance(RETRY_AFTER_MS);
      await settle();
    }

    it('refuses a token read from the owner once the owner is marked down (its keys moved to a fallback)', async () => {
      const { topology, timeout } = cluster([A, B], { onNodeDown: 'rehash' });
      const token = await gets(topology, STAYS_ON_A);
      timeout(A);
      expect(topology.describe().find((n) => n.address === A)?.state).toBe('down');
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('honours a token read from the fallback while the owner stays down', async () => {
      const { topology, timeout, backends } = cluster([A, B], { onNodeDown: 'rehash' });
      timeout(A);
      const token = await gets(topology, STAYS_ON_A);
      expect(token.origin).not.toBe(backends.get(A));
      expect(ownerSinceRead(topology, token, 'cas')).toBe(token.origin);
    });

    it('refuses a token read from the fallback once the owner is back after a probe answers', async () => {
      const { topology, timeout, changes, clock, backends } = cluster([A, B], {
        onNodeDown: 'rehash',
      });
      timeout(A);
      const token = await gets(topology, STAYS_ON_A);
      await probeAnswers(clock);
      expect(changes.map((c) => `${c.node} ${c.state}`)).toEqual([`${A} down`, `${A} up`]);
      expect(topology.route(STAYS_ON_A, true)).toBe(backends.get(A));
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });

    it('a token read from the owner before an outage is not honoured after it, though the owner is the same again', async () => {
      const { topology, timeout, clock } = cluster([A, B], { onNodeDown: 'rehash' });
      const token = await gets(topology, STAYS_ON_A);
      timeout(A);
      await probeAnswers(clock);
      expect(topology.route(STAYS_ON_A, true)).toBe(token.origin);
      expect(ownerSinceRead(topology, token, 'cas')).toBeUndefined();
    });
  });

  it("under onNodeDown: 'fail', a down owner makes the check fail fast with NodeUnavailableError instead of rerouting", async () => {
    const { topology, timeout } = cluster([A, B], { onNodeDown: 'fail' });
    const token = await gets(topology, STAYS_ON_A);
    timeout(A);
    expect(() => ownerSinceRead(topology, token, 'cas')).toThrow(NodeUnavailableError);
  });
});

describe('CasToken', () => {
  const issuer = { address: '10.0.0.9:11211' } as Backend;
  const token = new CasToken(2n ** 64n - 1n, 'user:1', issuer, 0, {} as Topology);

  it('value is memcached’s CAS number, and node the address of the backend that issued it', () => {
    expect(token.value).toBe(18446744073709551615n);
    expect(token.node).toBe('10.0.0.9:11211');
  });

  it('toString() and toJSON() give the CAS number in decimal, exact past 2^53', () => {
    expect(token.toString()).toBe('18446744073709551615');
    expect(`${token}`).toBe('18446744073709551615');
    expect(token.toJSON()).toBe('18446744073709551615');
    expect(JSON.stringify({ cas: token })).toBe('{"cas":"18446744073709551615"}');
  });

  it('a token read through a cluster of embedded stores names the node as the store does: memory', async () => {
    const { topology } = cluster([A, B]);
    const read = await gets(topology, STAYS_ON_A);
    expect(read.node).toBe('memory');
    expect(read.value).toBeGreaterThan(0n);
    expect(read.toString()).toBe(read.value.toString());
  });
});
