/**
 * What one uncontended `update()` costs the process: CPU per update (the
 * lowest of 3 rounds of 30,000 at 64 in flight on one real memcached node) and
 * the bytes per update that survive a minor GC (V8's sampling heap profiler
 * without the objects minor GCs collect). Survivors get promoted and cost full
 * GCs later: this is how issue 18's regression (a long-lived Set churned per
 * call) was found, 1,370 bytes per update against 151 before the redesign.
 *
 * usage: npm run build && npx tsx scripts/update-gc.ts [path/to/dist/index.js]
 */
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Memcas from '../src/index.js';
import { startMemcached, stopAllMemcached } from '../test/helpers/memcached-node.js';

const entry = pathToFileURL(resolve(process.argv[2] ?? 'dist/index.js')).href;
const { createClient } = (await import(entry)) as typeof Memcas;
const [node] = await startMemcached(1);
const IN_FLIGHT = 64;
const ROUND = 30_000;

async function run(client: Memcas.Client, updates: number): Promise<void> {
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, w) => {
      for (let i = 0; i < updates / IN_FLIGHT; i++) {
        await client.update<{ v: number }>(`u${w}`, (cur) => ({ v: (cur?.v ?? 0) + 1 }));
      }
    }),
  );
}

try {
  for (const combineUpdates of [false, true]) {
    const client = createClient({
      servers: [node!.address],
      measureOperations: false,
      combineUpdates,
      timeoutMs: 60_000, // the profiler may stall the loop; no request should time out for it
    });
    await run(client, 3_000); // warm
    const cpu: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = process.cpuUsage();
      await run(client, ROUND);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / ROUND);
    }
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMinorGC: false,
      includeObjectsCollectedByMajorGC: true,
    });
    await run(client, ROUND);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    let bytes = 0;
    const walk = (n: typeof profile.head): void => {
      bytes += n.selfSize;
      n.children.forEach(walk);
    };
    walk(profile.head);
    console.log(
      `combineUpdates ${String(combineUpdates).padEnd(5)}: ${Math.min(...cpu).toFixed(2)} µs CPU ` +
        `per update (lowest of 3), ${Math.round(bytes / ROUND)} bytes per update survive a minor GC`,
    );
    await client.close();
  }
} finally {
  await stopAllMemcached();
}
