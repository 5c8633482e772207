import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  startMemcached,
  stopAllMemcached,
  type MemcachedNode,
} from '../test/helpers/memcached-node.js';
import { benchCompute } from './compute.js';
import { benchContention } from './contention.js';
import { benchLocks } from './locks.js';
import { benchPolicySweep } from './policy-sweep.js';
import { benchProtocols } from './protocols.js';
import { benchRetryBudget } from './retry-budget.js';
import { benchScale } from './scale.js';
import { benchSharding } from './sharding.js';
import { benchSingleNode } from './single-node.js';
import { benchTelemetry } from './telemetry.js';
import { printSummary } from './lib/summary.js';
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
  /** Runs one benchmark on `nodes` fresh memcached nodes (0: it starts its own), unless --only leaves it out. */
  const section = async (
    name: string,
    title: string,
    nodes: number,
    run: (started: MemcachedNode[]) => Promise<unknown>,
  ): Promise<void> => {
    if (!wants(name)) return;
    const started = nodes > 0 ? await startMemcached(nodes) : [];
    console.log(`\n## ${title}\n`);
    results[name] = await run(started);
    await Promise.all(started.map((n) => n.stop()));
  };
  try {
    await section(
      'single-node',
      'One node: pairs per second (each pair is a read then a write of one key)',
      1,
      ([n]) => benchSingleNode(n!, seconds),
    );
    await section(
      'protocols',
      'Protocols on one node: gets+cas pairs per second, and update()',
      1,
      ([n]) => benchProtocols(n!, seconds * 3),
    );
    await section(
      'sharding',
      'Sharding: ring balance and movement, getMany over 3 nodes',
      3,
      (nodes) => benchSharding(nodes, seconds),
    );
    await section('contention', 'Contention: one hot key, update(n => n + 1)', 1, ([n]) =>
      benchContention(n!, seconds),
    );
    await section(
      'budget',
      'Retry budget: a conflict storm, 4 processes x 250 update() calls/s on one key, combining off',
      1,
      ([n]) => benchRetryBudget(n!, seconds),
    );
    await section(
      'compute',
      'getOrCompute: a cold-key stampede, 4 processes x 64 callers, with and without',
      1,
      ([n]) => benchCompute(n!),
    );
    await section('sweep', 'Backoff policies: one hot key, 4 processes, combining off', 1, ([n]) =>
      benchPolicySweep(n!, seconds, 'bench/results/updates-vs-updaters.svg'),
    );
    await section(
      'telemetry',
      'Telemetry cost: uncontended update(), 1, 8 and 64 in flight',
      1,
      ([n]) => benchTelemetry(n!, seconds),
    );
    await section(
      'locks',
      'Locks: uncontended acquire+release, and 4 processes contending for one lock',
      1,
      ([n]) => benchLocks(n!, seconds),
    );
    await section('tls', 'TLS cost: memcas gets+cas pairs, 64 in flight', 0, () =>
      benchTls(seconds),
    );
    await section(
      'scale',
      'Scale: client CPU per update() and getMany key at 1-64 nodes; membership change at 16-1,000 nodes',
      0,
      () => benchScale(seconds),
    );
  } finally {
    await stopAllMemcached();
  }
  printSummary(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify(results, null, 2));
  console.log('\nwrote bench/results/latest.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
