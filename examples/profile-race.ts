/**
 * The seed scenario: two writers update one user profile at the same time.
 * First by hand with gets/cas and a retry loop (what the pymemcache example
 * does), then with update(), which runs that loop for you.
 *
 * Run: npx tsx examples/profile-race.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'memcas';
import { localCluster } from './lib/local-cluster.js';

interface Profile {
  name: string;
  email: string;
  lastUpdatedBy?: string;
  tags?: string[];
}
const KEY = 'user:1001';

/** By hand: gets, change, cas; on a conflict wait a little and start again. */
async function byHand(
  client: Client,
  writer: string,
  change: (p: Profile) => Profile,
): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const hit = await client.gets<Profile>(KEY);
    if (!hit) throw new Error('profile missing');
    await sleep(5); // both writers have now read the same version
    const result = await client.cas(KEY, change(hit.value), hit.cas);
    console.log(`  ${writer}: attempt ${attempt}: cas -> ${result}`);
    if (result === 'stored') return;
    await sleep(Math.random() * 10);
  }
  throw new Error(`${writer} gave up`);
}

async function main(): Promise<void> {
  const cluster = await localCluster(1);
  const [a, b] = [createClient(cluster.options), createClient(cluster.options)];
  try {
    await a.set<Profile>(KEY, { name: 'Alice', email: 'alice@example.com' });
    console.log('1. By hand with gets/cas:');
    await Promise.all([
      byHand(a, 'writer A', (p) => ({ ...p, name: 'Alice Smith', lastUpdatedBy: 'A' })),
      byHand(b, 'writer B', (p) => ({ ...p, email: 'alice@new.example', lastUpdatedBy: 'B' })),
    ]);
    console.log('  final:', await a.get(KEY));

    await a.set<Profile>(KEY, { name: 'Alice', email: 'alice@example.com' });
    console.log('2. With update():');
    const [ra, rb] = await Promise.all([
      a.update<Profile>(KEY, async (p) => {
        await sleep(5);
        return { ...p!, tags: [...(p!.tags ?? []), 'vip'], lastUpdatedBy: 'A' };
      }),
      b.update<Profile>(KEY, async (p) => {
        await sleep(5);
        return { ...p!, tags: [...(p!.tags ?? []), 'beta'], lastUpdatedBy: 'B' };
      }),
    ]);
    console.log(
      `  writer A: ${ra.outcome} after ${ra.attempts} attempt(s); writer B: ${rb.outcome} after ${rb.attempts}`,
    );
    const final = (await a.get<Profile>(KEY))!;
    console.log('  final:', final);
    if (final.tags?.length !== 2) throw new Error('an update was lost');
    console.log('  both changes are there: nothing was lost.');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
