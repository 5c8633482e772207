import { readFileSync } from 'node:fs';
import HashRing from 'hashring';
import { describe, expect, it } from 'vitest';
import { Ring } from '../../../src/cluster/index.js';

interface Table {
  servers: Array<{ address: string; weight: number }>;
  placement: Record<string, string>;
}
const fixture = (name: string): Table =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')) as Table;
const table = fixture('ketama-placement.json');

/**
 * hashring 3.2.0 over `list`, each node given as its vnodes the number of
 * hashes libmemcached computes for it (in single precision, as its
 * update_continuum does): hashring's own count, in doubles, is one short in
 * some cases (7 equal nodes), and memcas follows libmemcached.
 */
function hashringLike(list: ReadonlyArray<{ address: string; weight: number }>): HashRing {
  const f = Math.fround;
  const total = list.reduce((t, n) => t + n.weight, 0);
  const servers = Object.fromEntries(
    list.map((n) => {
      const x = f(f(f(f(f(n.weight) / f(total)) * 160) / 4) * f(list.length));
      return [n.address, { weight: n.weight, vnodes: Math.floor(f(x + 0.0000000001)) }];
    }),
  );
  return new HashRing(servers, 'md5', { 'default port': 11211, 'vnode count': 0 });
}

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `key:${i}`);
const three = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'].map((address) => ({
  address,
  weight: 1,
}));

function shares(ring: Ring, ks: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of ks) counts.set(ring.owner(k)!, (counts.get(ring.owner(k)!) ?? 0) + 1);
  return counts;
}

describe('Ring', () => {
  it('places every key of the committed libmemcached (pylibmc ketama_weighted) table on the same node', () => {
    const ring = new Ring(table.servers);
    const wrong = Object.entries(table.placement).filter(([k, node]) => ring.owner(k) !== node);
    expect(Object.keys(table.placement)).toHaveLength(1000);
    expect(wrong).toEqual([]);
  });

  it('places every key of a pylibmc table for 7 equal nodes on the same node (where hashring gives each node 39 hashes, libmemcached 40)', () => {
    const seven = fixture('ketama-placement-7.json');
    const ring = new Ring(seven.servers);
    const wrong = Object.entries(seven.placement).filter(([k, node]) => ring.owner(k) !== node);
    expect(Object.keys(seven.placement)).toHaveLength(1000);
    expect(wrong).toEqual([]);
  });

  it('with 3 equal nodes and 100,000 keys, every node holds 25–42% of them', () => {
    const counts = shares(new Ring(three), keys(100_000));
    expect(counts.size).toBe(3);
    for (const n of counts.values()) {
      expect(n / 100_000).toBeGreaterThanOrEqual(0.25);
      expect(n / 100_000).toBeLessThanOrEqual(0.42);
    }
  });

  it('adding a 4th node moves keys only to it, about a quarter of them', () => {
    const ks = keys(100_000);
    const ring = new Ring(three);
    const before = ks.map((k) => ring.owner(k));
    ring.add({ address: '10.0.0.4:11211', weight: 1 });
    let moved = 0;
    ks.forEach((k, i) => {
      const now = ring.owner(k);
      if (now !== before[i]) {
        moved++;
        expect(now).toBe('10.0.0.4:11211');
      }
    });
    expect(moved / ks.length).toBeGreaterThan(0.18);
    expect(moved / ks.length).toBeLessThan(0.32);
  });

  it('removing a node moves only its keys', () => {
    const ks = keys(20_000);
    const ring = new Ring(three);
    const before = ks.map((k) => ring.owner(k));
    ring.remove('10.0.0.2:11211');
    ks.forEach((k, i) => {
      if (before[i] !== '10.0.0.2:11211') expect(ring.owner(k)).toBe(before[i]);
      else expect(ring.owner(k)).not.toBe('10.0.0.2:11211');
    });
  });

  it('honours weights: a weight-2 node holds about twice the keys of a weight-1 node', () => {
    const ring = new Ring([
      { address: 'a:1', weight: 1 },
      { address: 'b:1', weight: 2 },
    ]);
    const counts = shares(ring, keys(100_000));
    const ratio = counts.get('b:1')! / counts.get('a:1')!;
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.5);
  });

  it('lists successors in ring order starting at the owner', () => {
    const ring = new Ring(three);
    const s = [...ring.successors('user:1')];
    expect(s[0]).toBe(ring.owner('user:1'));
    expect(new Set(s).size).toBe(3);
  });

  it("places keys exactly as hashring 3.2.0 does (with libmemcached's counts of points), through random joins, leaves and weights", () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const address = (): string =>
      `10.${random(4)}.${random(250)}.${random(250)}:${random(3) === 0 ? 11211 : 11211 + random(50)}`;
    for (let trial = 0; trial < 8; trial++) {
      const nodes = new Map<string, number>();
      while (nodes.size < 1 + random(40))
        nodes.set(address(), 1 + (trial % 3 === 0 ? random(3) : 0));
      let list = [...nodes].map(([a, weight]) => ({ address: a, weight }));
      const ring = new Ring(list);
      // hashring's add and remove keep each node's vnodes: a fresh one in the same order instead.
      const check = (): void => {
        const reference = hashringLike(list);
        for (let k = 0; k < 2000; k++) {
          const key = `trial${trial}:${k}`;
          expect(ring.owner(key)).toBe(reference.get(key));
        }
      };
      check();
      let joining = { address: address(), weight: 1 + random(2) };
      while (nodes.has(joining.address)) joining = { address: address(), weight: 1 };
      ring.add(joining);
      list = [...list, joining];
      check();
      const leaving = list[random(list.length - 1)]!.address;
      ring.remove(leaving);
      list = list.filter((n) => n.address !== leaving);
      if (ring.size > 0) check();
    }
  });

  it('on equal weights (the incremental path: points merged in and dropped, not re-sorted) places keys as hashring does', () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `10.1.0.${i + 1}:${11211 + (i % 3)}`);
    const ring = new Ring(addresses.map((address) => ({ address, weight: 1 })));
    let order = [...addresses];
    const same = (): void => {
      const reference = hashringLike(order.map((address) => ({ address, weight: 1 })));
      for (let k = 0; k < 2000; k++) expect(ring.owner(`eq:${k}`)).toBe(reference.get(`eq:${k}`));
    };
    for (const address of [addresses[0]!, addresses[7]!, addresses[19]!]) {
      ring.remove(address);
      order = order.filter((a) => a !== address);
      same();
    }
    for (const address of ['10.2.0.1:11211', addresses[7]!]) {
      ring.add({ address, weight: 1 });
      order = [...order, address];
      same();
    }
  });

  it('one change() of several nodes places keys as the same adds and removes one by one', () => {
    const one = new Ring(three);
    const batch = new Ring(three);
    const more = ['10.0.0.4:11211', '10.0.0.5:11212', '10.0.0.6:11213'];
    for (const address of more) one.add({ address, weight: 1 });
    one.remove('10.0.0.2:11211');
    batch.change(
      more.map((address) => ({ address, weight: 1 })),
      ['10.0.0.2:11211'],
    );
    for (const k of keys(20_000)) expect(batch.owner(k)).toBe(one.owner(k));
  });

  it('an empty ring owns nothing and has no successors', () => {
    const ring = new Ring([]);
    expect(ring.owner('k')).toBeUndefined();
    expect([...ring.successors('k')]).toEqual([]);
  });
});
