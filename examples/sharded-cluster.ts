/**
 * A local 3-node cluster: where keys land, what happens when a node dies
 * (onNodeDown: 'fail'), and how it comes back.
 *
 * Run: npx tsx examples/sharded-cluster.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, isNodeUnavailableError } from 'memcas';
import { startLocalMemcached, stopLocalMemcached } from './lib/local-memcached.js';

async function main(): Promise<void> {
  // Node failure needs real nodes to kill: there is no embedded-store fallback here.
  const nodes = await startLocalMemcached(3);
  console.log(`local memcached: ${nodes.map((n) => n.address).join(', ')}`);
  const store = createClient({
    servers: nodes.map((n) => n.address),
    timeoutMs: 200,
    failureThreshold: 2,
    retryAfterMs: 200,
    onNodeStateChange: (c) => console.log(`  [health] ${c.node} is ${c.state}: ${c.reason}`),
  });
  try {
    const keys = Array.from({ length: 12 }, (_, i) => `session:${i}`);
    console.log('1. Placement (ketama, same as libmemcached):');
    for (const n of nodes) {
      console.log(
        `  ${n.address}: ${keys.filter((k) => store.nodeFor(k) === n.address).join(' ')}`,
      );
    }
    await Promise.all(keys.map((k) => store.set(k, { user: k })));

    const victim = nodes[1]!;
    console.log(`2. SIGKILL ${victim.address}`);
    await victim.kill();
    for (let round = 0; round < 3; round++) {
      const results = await store.getMany(keys);
      const summary = results.map((r) =>
        r.status === 'error' ? (isNodeUnavailableError(r.error) ? 'down' : r.error.name) : r.status,
      );
      console.log(`  getMany round ${round + 1}: ${summary.join(' ')}`);
    }
    const t0 = performance.now();
    const err = await store
      .get(keys.find((k) => store.nodeFor(k) === victim.address)!)
      .catch((e: unknown) => e);
    console.log(
      `  a key on the dead node fails in ${(performance.now() - t0).toFixed(2)} ms: ${(err as Error).name}`,
    );

    console.log(`3. Restart ${victim.address}; memcas probes it and routes to it again`);
    await victim.restart();
    while (store.nodes().some((n) => n.state === 'down')) await sleep(50);
    const back = await store.getMany(keys);
    console.log(
      `  after rejoining: ${back.map((r) => r.status).join(' ')} (its keys are gone: a restart empties memcached)`,
    );
  } finally {
    await store.close();
    await stopLocalMemcached(nodes);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
