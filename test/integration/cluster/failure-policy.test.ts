import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClient,
  isNodeUnavailableError,
  NodeUnavailableError,
  type Client,
  type ClientOptions,
  type NodeStateChange,
} from '../../../src/index.js';
import { keysOn } from '../../helpers/keys-on.js';
import { TextClient } from '../../helpers/text-protocol.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(3);
const clients: Client[] = [];
let changes: NodeStateChange[] = [];

function open(options: ClientOptions = {}): Client {
  const c = createClient({
    servers: cluster.nodes.map((n) => n.address),
    timeoutMs: 200,
    failureThreshold: 2,
    retryAfterMs: 100,
    onNodeStateChange: (change) => changes.push(change),
    ...options,
  });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  changes = [];
  const c = open();
  await c.flush();
});

afterEach(async () => {
  for (const node of cluster.nodes) {
    node.resume();
    if (!node.process) await node.restart();
  }
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/**
 * Retries `call` until it succeeds: while a paused owner is still being marked
 * down, calls time out; once it is down, `'rehash'` routes them elsewhere.
 */
async function untilRerouted(call: () => Promise<unknown>): Promise<void> {
  await vi.waitFor(
    async () => {
      await call();
    },
    { timeout: 3000, interval: 20 },
  );
}

describe("onNodeDown: 'fail'", () => {
  it('SIGKILL under an update workload: only the dead node keys fail, fast; the others stay exact; it rejoins after restart', async () => {
    const client = open();
    const [a, b, c] = cluster.nodes.map((n) => n.address);
    const counters = [
      ...keysOn(client, a!, 4, 'ctr'),
      ...keysOn(client, b!, 4, 'ctr'),
      ...keysOn(client, c!, 4, 'ctr'),
    ];
    const victim = cluster.nodes[1]!;
    const acked = new Map<string, number>(counters.map((k) => [k, 0]));
    const errors = new Map<string, unknown[]>(counters.map((k) => [k, []]));
    let stop = false;
    const workload = Promise.all(
      counters.map(async (key) => {
        while (!stop) {
          try {
            await client.update<number>(key, (n) => (n ?? 0) + 1);
            acked.set(key, acked.get(key)! + 1);
          } catch (err) {
            errors.get(key)!.push(err);
            await sleep(5);
          }
        }
      }),
    );
    await sleep(300);
    await victim.kill();
    await vi.waitFor(
      () => expect(changes.map((ch) => `${ch.node}:${ch.state}`)).toContain(`${b}:down`),
      {
        timeout: 3000,
      },
    );
    // While it is down, its keys fail fast: no waiting for a timeout.
    const victimKey = keysOn(client, b!, 1, 'probe')[0]!;
    // NodeUnavailableError comes from routing, before any request is made.
    await expect(client.get(victimKey)).rejects.toBeInstanceOf(NodeUnavailableError);
    await sleep(300);
    stop = true;
    await workload;

    for (const key of counters) {
      const onVictim = client.nodeFor(key) === b;
      const errs = errors.get(key)!;
      if (onVictim) {
        expect(errs.length).toBeGreaterThan(0);
        expect(errs.some(isNodeUnavailableError)).toBe(true);
      } else {
        expect(errs).toEqual([]);
        expect(await client.get(key)).toBe(acked.get(key));
      }
    }

    await victim.restart();
    await vi.waitFor(
      () => expect(changes.map((ch) => `${ch.node}:${ch.state}`)).toContain(`${b}:up`),
      {
        timeout: 3000,
      },
    );
    await client.set(victimKey, 'back');
    expect(await client.get(victimKey)).toBe('back');
  }, 20_000);

  it('SIGSTOP: calls to its keys settle within the timeout plus a margin; SIGCONT: back after a probe', async () => {
    const client = open({ failureThreshold: 1000 });
    const b = cluster.nodes[1]!;
    const [key] = keysOn(client, b.address, 1);
    await client.set(key!, 1);
    await b.pause();
    const calls = [
      client.get(key!),
      client.set(key!, 2),
      client.update(key!, () => 3),
      client.incr(key!),
    ];
    const t0 = performance.now();
    const settled = await Promise.allSettled(calls);
    const elapsed = performance.now() - t0;
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(elapsed).toBeLessThan(200 + 150);
    b.resume();
    await vi.waitFor(async () => expect(await client.get(key!)).toBeDefined(), {
      timeout: 3000,
      interval: 50,
    });
  });

  it('getMany with one node down: its keys report errors, the others hit', async () => {
    const client = open();
    const [a, b, c] = cluster.nodes.map((n) => n.address);
    const keys = [
      ...keysOn(client, a!, 3, 'm'),
      ...keysOn(client, b!, 3, 'm'),
      ...keysOn(client, c!, 3, 'm'),
    ];
    await Promise.all(keys.map((k) => client.set(k, k)));
    await cluster.nodes[1]!.kill();
    const shuffled = [...keys].reverse();
    for (let i = 0; i < 3; i++) {
      const r = await client.getMany<string>(shuffled);
      expect(r.map((e) => e.key)).toEqual(shuffled);
      for (const e of r) {
        if (client.nodeFor(e.key) === b) expect(e.status).toBe('error');
        else expect(e).toMatchObject({ status: 'hit', value: e.key });
      }
    }
    await expect(client.getMany(shuffled, { allOrNothing: true })).rejects.toBeInstanceOf(Error);
  });
});

describe("onNodeDown: 'rehash'", () => {
  it('a paused node holding K=v1: v2 goes to the next node, and after the node rejoins K never reads v1', async () => {
    const client = open({ onNodeDown: 'rehash' });
    const b = cluster.nodes[1]!;
    const [key] = keysOn(client, b.address, 1, 'K');
    await client.set(key!, 'v1');
    await b.pause();
    await untilRerouted(() => client.set(key!, 'v2'));
    expect(changes.map((ch) => `${ch.node}:${ch.state}`)).toContain(`${b.address}:down`);
    expect(await client.get(key!)).toBe('v2');
    b.resume();
    const reads: unknown[] = [];
    await vi.waitFor(
      async () => {
        reads.push(await client.get(key!).catch((e: unknown) => (e as Error).name));
        expect(changes.map((ch) => `${ch.node}:${ch.state}`)).toContain(`${b.address}:up`);
      },
      { timeout: 3000, interval: 10 },
    );
    for (let i = 0; i < 20; i++) reads.push(await client.get(key!));
    expect(reads).not.toContain('v1');
    // Back on its owner, which was flushed: a miss, never the stale v1.
    expect(await client.get(key!)).toBeUndefined();
  });

  it('copies written to the fallback while the owner was down are deleted when it rejoins, so they are never served later', async () => {
    const client = open({ onNodeDown: 'rehash' });
    const b = cluster.nodes[1]!;
    const [key] = keysOn(client, b.address, 1, 'R');
    const upCount = (): number =>
      changes.filter((c) => c.node === b.address && c.state === 'up').length;
    await client.set(key!, 'v1');
    // First outage: v2 lands on the next node on the ring.
    await b.pause();
    await untilRerouted(() => client.set(key!, 'v2'));
    b.resume();
    await vi.waitFor(() => expect(upCount()).toBe(1), { timeout: 3000, interval: 20 });
    await sleep(50);
    await client.set(key!, 'v3'); // back on its owner
    // Second outage: reads go to the fallback again, which must not hold v2 any more.
    await b.pause();
    const seen: unknown[] = [];
    await untilRerouted(async () => seen.push(await client.get(key!)));
    expect(seen).not.toContain('v2');
    expect(seen.at(-1)).toBeUndefined();
  });
});

describe("onNodeDown: 'rehash', TTLs on the fallback node", () => {
  /** The remaining TTL of `key` on whichever node other than `owner` holds it. */
  async function fallbackTtl(owner: string, key: string): Promise<number | undefined> {
    for (const node of cluster.nodes) {
      if (node.address === owner) continue;
      const text = await TextClient.open(node.host, node.port);
      try {
        const ttl = await text.ttl(key);
        if (ttl !== undefined) return ttl;
      } finally {
        text.close();
      }
    }
    return undefined;
  }

  it('values rerouted while the owner is down live at most fallbackTtlSeconds there; shorter TTLs are kept; 0 keeps them all', async () => {
    const capped = open({ onNodeDown: 'rehash', fallbackTtlSeconds: 30 });
    const uncapped = open({ onNodeDown: 'rehash', fallbackTtlSeconds: 0 });
    const b = cluster.nodes[1]!;
    const [forever, short, kept] = keysOn(capped, b.address, 3, 'T');
    await b.pause();
    await untilRerouted(() => capped.set(forever!, 'x'));
    await capped.set(short!, 'y', { ttlSeconds: 5 });
    await untilRerouted(() => uncapped.set(kept!, 'z'));
    const t1 = await fallbackTtl(b.address, forever!);
    expect(t1).toBeGreaterThanOrEqual(29);
    expect(t1).toBeLessThanOrEqual(30);
    const t2 = await fallbackTtl(b.address, short!);
    expect(t2).toBeGreaterThan(0);
    expect(t2).toBeLessThanOrEqual(5);
    expect(await fallbackTtl(b.address, kept!)).toBe(-1);
    // update() writes through the same capped node, and its CAS check still holds there.
    await capped.update<number>(forever!, () => 1);
    expect(await fallbackTtl(b.address, forever!)).toBeLessThanOrEqual(30);
  });

  it('a copy left by a client that dies mid-outage expires on its own, so a later outage never serves it', async () => {
    const doomed = open({ onNodeDown: 'rehash', fallbackTtlSeconds: 1 });
    const survivor = open({ onNodeDown: 'rehash' });
    const b = cluster.nodes[1]!;
    const [key] = keysOn(doomed, b.address, 1, 'D');
    await b.pause();
    await untilRerouted(() => doomed.set(key!, 'stale'));
    expect(await fallbackTtl(b.address, key!)).toBeLessThanOrEqual(1);
    // It never sees the owner rejoin, so it never deletes its copy.
    await doomed.close();
    b.resume();
    await vi.waitFor(async () => expect(await fallbackTtl(b.address, key!)).toBeUndefined(), {
      timeout: 4000,
      interval: 100,
    });
    // The owner's next outage: the survivor's reads go to the fallback, which no longer has it.
    await b.pause();
    const seen: unknown[] = [];
    await untilRerouted(async () => seen.push(await survivor.get(key!)));
    expect(seen).not.toContain('stale');
  });
});

describe('keys that change owner', () => {
  it('cas with a token from the node that owned the key before it was removed reports a conflict', async () => {
    const client = open();
    const b = cluster.nodes[1]!.address;
    const [key] = keysOn(client, b, 1, 'moving');
    await client.set(key!, 1);
    const hit = await client.gets(key!);
    await client.removeServer(b);
    expect(client.nodeFor(key!)).not.toBe(b);
    // the new owner holds the key with some token; the old one must not be sent there
    await client.set(key!, 5);
    expect(await client.cas(key!, 2, hit!.cas)).toBe('conflict');
    expect(await client.delete(key!, { cas: hit!.cas })).toBe('conflict');
    expect(await client.get(key!)).toBe(5);
  });

  it('update() re-reads from the new owner when the key moves mid-update', async () => {
    const client = open();
    const b = cluster.nodes[1]!.address;
    const [key] = keysOn(client, b, 1, 'moving2');
    await client.set(key!, 10);
    const r = await client.update<number>(key!, async (n, ctx) => {
      if (ctx.attempt === 1) await client.removeServer(b);
      return (n ?? 0) + 1;
    });
    expect(r).toMatchObject({ attempts: 2, outcome: 'created', value: 1 });
    expect(await client.get(key!)).toBe(1);
  });

  it('addServer at run time moves only the keys that now hash to the new node', async () => {
    const client = open({ servers: [cluster.nodes[0]!.address, cluster.nodes[1]!.address] });
    const keys = Array.from({ length: 300 }, (_, i) => `grow:${i}`);
    const before = keys.map((k) => client.nodeFor(k));
    client.addServer(cluster.nodes[2]!.address);
    const moved = keys.filter((k, i) => client.nodeFor(k) !== before[i]);
    expect(moved.length).toBeGreaterThan(50);
    for (const k of moved) expect(client.nodeFor(k)).toBe(cluster.nodes[2]!.address);
    await client.set(moved[0]!, 'new');
    expect(await client.get(moved[0]!)).toBe('new');
    expect(client.nodes().map((n) => n.state)).toEqual(['up', 'up', 'up']);
  });
});
