/**
 * Auto discovery, ElastiCache style: the client learns its nodes from a
 * configuration endpoint (`config get cluster`) and follows it as nodes are
 * added and removed, while counters keep counting. The endpoint here is a
 * local stand-in (examples/lib/config-endpoint.ts) in front of 4 local
 * memcached nodes; on AWS, give your cluster's configuration endpoint.
 *
 * Run: npx tsx examples/discovery.ts [--smoke]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'memcas';
import { startConfigEndpoint } from './lib/config-endpoint.js';
import { startLocalMemcached, stopLocalMemcached } from './lib/local-memcached.js';

const smoke = process.argv.includes('--smoke');
const INTERVAL_MS = smoke ? 50 : 250;

/** Waits until the client lists `n` nodes. */
async function nodesBecome(client: Client, n: number): Promise<void> {
  while (client.nodes().length !== n) await sleep(10);
}

/** Increments each counter once; returns how many updates were made. */
async function countAll(client: Client, keys: readonly string[]): Promise<number> {
  await Promise.all(keys.map((k) => client.update<number>(k, (n) => (n ?? 0) + 1)));
  return keys.length;
}

async function main(): Promise<void> {
  const nodes = await startLocalMemcached(4);
  const [a, b, c, d] = nodes.map((n) => n.address) as [string, string, string, string];
  const endpoint = await startConfigEndpoint(1, [a, b, c]);
  console.log(`configuration endpoint ${endpoint.address} lists ${[a, b, c].join(', ')}`);
  const client = createClient({
    discovery: {
      endpoint: endpoint.address,
      intervalMs: INTERVAL_MS,
      onMembershipChange: (ch) =>
        console.log(
          `  [discovery] config version ${ch.version}: joined ${ch.added.join(', ') || 'none'}; left ${ch.removed.join(', ') || 'none'}`,
        ),
      onDiscoveryError: (e) => console.log(`  [discovery] ${e.reason}: ${e.message}`),
    },
  });
  try {
    await client.ready();
    const keys = Array.from({ length: smoke ? 30 : 300 }, (_, i) => `counter:${i}`);
    let made = await countAll(client, keys);

    console.log('1. A 4th node joins (version 2): only the keys that now hash to it move');
    const before = keys.map((k) => client.nodeFor(k));
    endpoint.serve(2, [a, b, c, d]);
    await nodesBecome(client, 4);
    const moved = keys.filter((k, i) => client.nodeFor(k) !== before[i]);
    console.log(
      `  ${moved.length} of ${keys.length} keys moved, all to ${d}: ${moved.every((k) => client.nodeFor(k) === d)}`,
    );
    made += await countAll(client, keys);

    console.log(`2. ${b} leaves (version 3)`);
    endpoint.serve(3, [a, c, d]);
    await nodesBecome(client, 3);
    made += await countAll(client, keys);

    console.log('3. The endpoint answers garbage: the membership stays, the error is reported');
    endpoint.garbage();
    await sleep(INTERVAL_MS * 3);
    made += await countAll(client, keys);
    console.log(
      `  still ${client.nodes().length} nodes: ${client
        .nodes()
        .map((n) => n.address)
        .join(', ')}`,
    );

    // Each node counted the increments made while it owned a key; moving
    // keys start again from zero on their new node (memcached holds no
    // history), so the sum over every node is what was made.
    let stored = 0;
    for (const node of [a, b, c, d]) {
      const direct = createClient({ servers: [node] });
      for (const e of await direct.getMany<number>(keys)) if (e.status === 'hit') stored += e.value;
      await direct.close();
    }
    console.log(
      `${made} increments made; ${stored} counted over the 4 nodes: ${stored === made ? 'none lost' : 'LOST SOME'}`,
    );
    if (stored !== made) process.exitCode = 1;
  } finally {
    await client.close();
    await endpoint.stop();
    await stopLocalMemcached(nodes);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
