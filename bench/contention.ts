import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, percentile, printTable } from './lib/measure.js';

const { BACKOFF_POLICIES, createClient } = await loadMemcas();

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test/helpers/update-worker.ts', import.meta.url));

/** One contention measurement. */
export interface ContentionRow {
  scenario: string;
  updaters: number;
  combine: boolean;
  policy: string;
  updatesPerSec: number;
  attemptsMedian: number;
  attemptsP99: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

function summarize(
  scenario: string,
  updaters: number,
  combine: boolean,
  policy: string,
  count: number,
  seconds: number,
  attempts: number[],
  latencies: number[],
): ContentionRow {
  attempts.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    updaters,
    combine,
    policy,
    updatesPerSec: count / seconds,
    attemptsMedian: percentile(attempts, 50),
    attemptsP99: percentile(attempts, 99),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  };
}

/** One hot key, `updaters` concurrent update() loops in this process. */
async function inProcess(
  node: MemcachedNode,
  updaters: number,
  combine: boolean,
  seconds: number,
): Promise<ContentionRow> {
  const client = createClient({
    servers: [node.address],
    combineUpdates: combine,
    retry: { maxAttempts: 100_000, deadlineMs: 60_000 },
  });
  await client.set('hot', 0);
  const attempts: number[] = [];
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: updaters }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r = await client.update<number>('hot', (n) => (n ?? 0) + 1);
        latencies.push(performance.now() - t0);
        attempts.push(r.attempts);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const final = await client.get<number>('hot');
  await client.close();
  if (final !== attempts.length)
    throw new Error(`lost updates: ${final} stored, ${attempts.length} acknowledged`);
  return summarize(
    '1 process',
    updaters,
    combine,
    'decorrelatedJitter',
    attempts.length,
    elapsed,
    attempts,
    latencies,
  );
}

/** One hot key, 4 processes x 16 updaters, one policy, for `seconds`. */
export async function acrossProcesses(
  node: MemcachedNode,
  policy: string,
  seconds: number,
  combine: boolean,
  loopsPerProcess = 16,
): Promise<ContentionRow> {
  const client = createClient({ servers: [node.address] });
  await client.delete('ctr:0');
  const args = [
    worker,
    node.address,
    '1',
    `${seconds * 1000}ms`,
    String(loopsPerProcess),
    policy,
    String(combine),
  ];
  const outs = await Promise.all(
    Array.from({ length: 4 }, () =>
      run(process.execPath, ['--import', 'tsx', ...args], {
        env: { ...process.env, MEMCAS_ENTRY: 'dist' },
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      }),
    ),
  );
  let attempts: number[] = [];
  let latencies: number[] = [];
  let elapsed = 0;
  for (const { stdout } of outs) {
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      attempts: number[];
      latencies: number[];
      seconds: number;
    };
    attempts = attempts.concat(r.attempts);
    latencies = latencies.concat(r.latencies);
    elapsed = Math.max(elapsed, r.seconds);
  }
  const final = await client.get<number>('ctr:0');
  await client.close();
  if (final !== attempts.length)
    throw new Error(`lost updates: ${final} stored, ${attempts.length} acknowledged`);
  return summarize(
    '4 processes',
    4 * loopsPerProcess,
    combine,
    policy,
    attempts.length,
    elapsed,
    attempts,
    latencies,
  );
}

/** The contention benchmark: in-process combining on/off, then 4 processes per policy. */
export async function benchContention(
  node: MemcachedNode,
  seconds: number,
  policies = Object.keys(BACKOFF_POLICIES),
): Promise<ContentionRow[]> {
  const rows: ContentionRow[] = [];
  for (const updaters of [1, 8, 64]) {
    for (const combine of [true, false]) {
      rows.push(await inProcess(node, updaters, combine, seconds));
      process.stderr.write(
        `  contention: 1 process, ${updaters} updaters, combine ${combine}: done\n`,
      );
    }
  }
  for (const combine of [false, true]) {
    for (const policy of policies) {
      rows.push(await acrossProcesses(node, policy, seconds, combine));
      process.stderr.write(`  contention: 4 processes, ${policy}, combine ${combine}: done\n`);
    }
  }
  printTable(
    [
      'scenario',
      'updaters',
      'combine',
      'policy',
      'updates/s',
      'attempts p50',
      'attempts p99',
      'latency p50 ms',
      'latency p99 ms',
    ],
    rows.map((r) => [
      r.scenario,
      String(r.updaters),
      r.combine ? 'on' : 'off',
      r.policy,
      fmt(r.updatesPerSec),
      String(r.attemptsMedian),
      String(r.attemptsP99),
      fmt(r.latencyP50Ms, 2),
      fmt(r.latencyP99Ms, 2),
    ]),
  );
  return rows;
}
