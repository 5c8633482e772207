import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startMemcached, stopAllMemcached } from '../test/helpers/memcached-node.js';
import { benchContention } from './contention.js';
import { benchSharding } from './sharding.js';
import { benchSingleNode } from './single-node.js';
import { benchTelemetry } from './telemetry.js';
import { benchTls } from './tls.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const wants = (name: string): boolean =>
  values.only === undefined || values.only.split(',').includes(name);

async function main(): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`memcas benchmarks — ${new Date().toISOString()} — ${machine}\n`);
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine, seconds };
  try {
    if (wants('single-node')) {
      const [node] = await startMemcached(1);
      console.log('## One node: pairs per second (each pair is a read then a write of one key)\n');
      results.singleNode = await benchSingleNode(node!, seconds);
      await node!.stop();
    }
    if (wants('sharding')) {
      const nodes = await startMemcached(3);
      console.log('\n## Sharding: ring balance and movement, getMany over 3 nodes\n');
      results.sharding = await benchSharding(nodes, seconds);
      await Promise.all(nodes.map((n) => n.stop()));
    }
    if (wants('contention')) {
      const [node] = await startMemcached(1);
      console.log('\n## Contention: one hot key, update(n => n + 1)\n');
      results.contention = await benchContention(node!, seconds);
      await node!.stop();
    }
    if (wants('telemetry')) {
      const [node] = await startMemcached(1);
      console.log('\n## Telemetry cost: uncontended update(), 64 in flight\n');
      results.telemetry = await benchTelemetry(node!, seconds);
      await node!.stop();
    }
    if (wants('tls')) {
      console.log('\n## TLS cost: memcas gets+cas pairs, 64 in flight\n');
      results.tls = await benchTls(seconds);
    }
  } finally {
    await stopAllMemcached();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify(results, null, 2));
  console.log('\nwrote bench/results/latest.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
