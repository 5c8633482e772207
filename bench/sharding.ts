import { Ring } from '../src/cluster/index.js';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';

const { createClient } = await loadMemcas();

/** Ring balance and movement, and getMany against single gets on a 3-node cluster. */
export interface ShardingResult {
  balance: Record<string, number>;
  movedToNewNodeShare: number;
  movedElsewhere: number;
  getMany100PerSec: number;
  single100PerSec: number;
  sequential100PerSec: number;
}

/** Measures the ring (pure) and getMany vs gets over three real nodes. */
export async function benchSharding(
  nodes: readonly MemcachedNode[],
  seconds: number,
): Promise<ShardingResult> {
  const addresses = nodes.map((n) => n.address);
  const keys = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);
  const ring = new Ring(addresses.map((address) => ({ address, weight: 1 })));
  const before = keys.map((k) => ring.owner(k));
  const balance: Record<string, number> = {};
  for (const o of before) balance[o!] = (balance[o!] ?? 0) + 1 / keys.length;
  ring.add({ address: '127.0.0.1:1', weight: 1 });
  let moved = 0;
  let elsewhere = 0;
  keys.forEach((k, i) => {
    const now = ring.owner(k);
    if (now !== before[i]) {
      moved++;
      if (now !== '127.0.0.1:1') elsewhere++;
    }
  });

  const client = createClient({ servers: [...addresses] });
  const hundred = Array.from({ length: 100 }, (_, i) => `gm:${i}`);
  await Promise.all(hundred.map((k) => client.set(k, { k })));
  // Interleaved rounds, best of each: a 2-core machine drifts between runs.
  const best = { many: 0, single: 0, sequential: 0 };
  for (let round = 0; round < 3; round++) {
    best.many = Math.max(
      best.many,
      (await throughput(1, seconds / 3, () => client.getMany(hundred))).perSecond,
    );
    best.single = Math.max(
      best.single,
      (await throughput(1, seconds / 3, () => Promise.all(hundred.map((k) => client.get(k)))))
        .perSecond,
    );
    best.sequential = Math.max(
      best.sequential,
      (
        await throughput(1, seconds / 3, async () => {
          for (const k of hundred) await client.get(k);
        })
      ).perSecond,
    );
  }
  const many = { perSecond: best.many };
  const single = { perSecond: best.single };
  const sequential = { perSecond: best.sequential };
  await client.close();

  printTable(
    ['measure', 'value'],
    [
      ...Object.entries(balance).map(([n, share]) => [
        `share of 100,000 keys on ${n}`,
        `${fmt(share * 100, 1)}%`,
      ]),
      [
        'keys moved when a 4th node joins',
        `${fmt((moved / keys.length) * 100, 1)}% (all to the new node: ${elsewhere === 0 ? 'yes' : 'no'})`,
      ],
      ['getMany(100 keys over 3 nodes) calls/s', fmt(many.perSecond)],
      ['100 concurrent get() calls, batches/s', fmt(single.perSecond)],
      ['100 sequential get() calls, batches/s', fmt(sequential.perSecond)],
      ['getMany vs concurrent gets', `${fmt(many.perSecond / single.perSecond, 2)}x`],
      ['getMany vs sequential gets', `${fmt(many.perSecond / sequential.perSecond, 1)}x`],
    ],
  );
  return {
    balance,
    movedToNewNodeShare: moved / keys.length,
    movedElsewhere: elsewhere,
    getMany100PerSec: many.perSecond,
    single100PerSec: single.perSecond,
    sequential100PerSec: sequential.perSecond,
  };
}
