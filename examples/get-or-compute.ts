/**
 * A cache in front of a slow database, three app servers (three clients, as
 * three processes would have) sharing one memcached:
 *
 * 1. A stampede: every server asks for a cold profile at once. With get and
 *    set, each one misses and queries the database; with getOrCompute, one
 *    caller holds the key's lease and queries it once, the others wait for
 *    its value.
 * 2. Serve-stale: the profile changes; invalidate() marks the cached copy
 *    stale. While one caller recomputes it (slowly), the others get the old
 *    copy at once, marked 'stale'; then everyone gets the new one.
 * 3. No stale set: a recompute that started before a newer value was written
 *    finishes late; its outdated value is not written over the newer one.
 *
 * Run: npx tsx examples/get-or-compute.ts [--smoke]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'memcas';
import { localCluster } from './lib/local-cluster.js';

const smoke = process.argv.includes('--smoke');
const REQUESTS_PER_SERVER = smoke ? 10 : 50;

interface Profile {
  name: string;
  version: number;
}

/** The slow database: counts its queries. */
const db = {
  queries: 0,
  row: { name: 'Alice', version: 1 } as Profile,
  async load(ms = 100): Promise<Profile> {
    this.queries++;
    const row = { ...this.row };
    await sleep(ms);
    return row;
  },
};

async function main(): Promise<void> {
  const cluster = await localCluster(1);
  const servers: Client[] = [0, 1, 2].map(() => createClient(cluster.options));
  const [a, b] = servers as [Client, Client, Client];
  const all = servers.length * REQUESTS_PER_SERVER;
  try {
    console.log(
      `1. A stampede: ${servers.length} servers x ${REQUESTS_PER_SERVER} requests for a cold key`,
    );
    db.queries = 0;
    await Promise.all(
      servers.flatMap((s) =>
        Array.from({ length: REQUESTS_PER_SERVER }, async () => {
          const hit = await s.get<Profile>('profile:naive');
          if (hit === undefined) await s.set('profile:naive', await db.load(), { ttlSeconds: 300 });
        }),
      ),
    );
    console.log(
      `   get, then query and set on a miss: ${db.queries} database queries for ${all} requests`,
    );
    db.queries = 0;
    const results = await Promise.all(
      servers.flatMap((s) =>
        Array.from({ length: REQUESTS_PER_SERVER }, () =>
          s.getOrCompute('profile:1', () => db.load(), { ttlSeconds: 300 }),
        ),
      ),
    );
    const outcomes = results.reduce<Record<string, number>>((n, r) => {
      n[r.outcome] = (n[r.outcome] ?? 0) + 1;
      return n;
    }, {});
    console.log(
      `   getOrCompute: ${db.queries} database query; outcomes ${JSON.stringify(outcomes)}`,
    );
    if (db.queries !== 1) throw new Error('the stampede reached the database');

    console.log(
      '2. The profile changes: invalidate, and serve the stale copy while one recomputes',
    );
    db.row = { name: 'Alice Smith', version: 2 };
    await a.invalidate('profile:1');
    const options = { ttlSeconds: 300, staleSeconds: 30 };
    const recompute = a.getOrCompute('profile:1', () => db.load(500), options);
    await sleep(50);
    const t0 = performance.now();
    const during = await b.getOrCompute('profile:1', () => db.load(), options);
    const ms = performance.now() - t0;
    console.log(
      `   meanwhile: ${during.outcome} (${during.outcome === 'stale' ? during.reason : ''}) version ${during.value.version} in ${ms.toFixed(1)} ms`,
    );
    if (during.outcome !== 'stale') throw new Error('a reader waited for the recompute');
    const fresh = await recompute;
    console.log(`   the recompute: ${fresh.outcome}, version ${fresh.value.version}`);
    const after = await b.getOrCompute('profile:1', () => db.load(), options);
    console.log(`   afterwards: ${after.outcome}, version ${after.value.version}`);
    if (after.value.version !== 2) throw new Error('the new value did not arrive');

    console.log('3. A slow recompute finishes after a newer value was written');
    await a.invalidate('profile:1');
    const slow = a.getOrCompute('profile:1', () => db.load(500));
    await sleep(50);
    db.row = { name: 'Alice Smith-Jones', version: 3 };
    await b.set('profile:1', db.row, { ttlSeconds: 300 }); // the writer updates the cache itself
    const late = await slow;
    const cached = await b.getOrCompute<Profile>('profile:1', () => db.load());
    console.log(
      `   the slow recompute (version ${late.value.version}) stored: ${late.outcome === 'computed' && late.stored}; cached: version ${cached.value.version}`,
    );
    if (cached.value.version !== 3) throw new Error('a stale set overwrote the newer value');
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
