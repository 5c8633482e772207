import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, percentile, printTable } from './lib/measure.js';

const { createClient } = await loadMemcas();
const run = promisify(execFile);
const worker = fileURLToPath(new URL('./lib/storm-worker.ts', import.meta.url));
/** Calls offered per second by each of the 4 processes: well above what one hot key takes. */
const RATE_PER_PROCESS = 250;

/** One conflict-storm measurement. */
export interface StormRow {
  budget: 'off' | 'on';
  /** Updates written per second (goodput). */
  writtenPerSec: number;
  /** Calls the budget stopped, per second. */
  throttledPerSec: number;
  /** Calls whose own 5 s deadline passed, per second. */
  timedOutPerSec: number;
  /** Calls that failed otherwise (an answer lost), per second. */
  failedPerSec: number;
  /** The most calls running at once in one process. */
  mostRunning: number;
  /** memcached reads and writes (cmd_get + cmd_set + cmd_touch + delete) per update written. */
  opsPerWrite: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** memcached's own count of the commands it served. */
async function served(node: MemcachedNode): Promise<number> {
  const client = createClient({ servers: [node.address] });
  try {
    const stats = Object.values(await client.stats())[0]!;
    return Number(stats.cmd_get) + Number(stats.cmd_set);
  } finally {
    await client.close();
  }
}

async function storm(
  node: MemcachedNode,
  seconds: number,
  budget: 'off' | 'on',
): Promise<StormRow> {
  const before = await served(node);
  const outs = await Promise.all(
    Array.from({ length: 4 }, () =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          worker,
          node.address,
          String(seconds * 1000),
          String(RATE_PER_PROCESS),
          'fullJitter',
          budget,
        ],
        { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      ),
    ),
  );
  const ops = (await served(node)) - before;
  let written = 0;
  let throttled = 0;
  let timedOut = 0;
  let failed = 0;
  let mostRunning = 0;
  let elapsed = 0;
  let latencies: number[] = [];
  for (const { stdout } of outs) {
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      written: number;
      stopped: number;
      timedOut: number;
      failed: number;
      mostRunning: number;
      latencies: number[];
      seconds: number;
    };
    written += r.written;
    throttled += r.stopped;
    timedOut += r.timedOut;
    failed += r.failed;
    mostRunning = Math.max(mostRunning, r.mostRunning);
    latencies = latencies.concat(r.latencies);
    elapsed = Math.max(elapsed, r.seconds);
  }
  latencies.sort((a, b) => a - b);
  return {
    budget,
    writtenPerSec: written / elapsed,
    throttledPerSec: throttled / elapsed,
    timedOutPerSec: timedOut / elapsed,
    failedPerSec: failed / elapsed,
    mostRunning,
    opsPerWrite: ops / Math.max(1, written),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  };
}

/**
 * The retry budget under a conflict storm: 4 processes each offering 250
 * calls/s of `update()` on one key (open loop: arrivals do not wait for
 * answers), combining off, `fullJitter`, with `retryBudget` off and on (its
 * defaults), alternating off/on/off/on so drift hits both alike. Latency is
 * every call's, stopped ones included.
 */
export async function benchRetryBudget(node: MemcachedNode, seconds: number): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  for (const budget of ['off', 'on', 'off', 'on'] as const) {
    rows.push(await storm(node, seconds, budget));
    process.stderr.write(`  retry budget ${budget}: done\n`);
  }
  printTable(
    [
      'retryBudget',
      'updates written/s',
      'calls stopped/s',
      'calls timed out/s',
      'other failures/s',
      'most running (1 process)',
      'memcached ops per update written',
      'latency p50 ms',
      'latency p99 ms',
    ],
    rows.map((r) => [
      r.budget,
      fmt(r.writtenPerSec),
      fmt(r.throttledPerSec),
      fmt(r.timedOutPerSec),
      fmt(r.failedPerSec),
      fmt(r.mostRunning),
      fmt(r.opsPerWrite, 2),
      fmt(r.latencyP50Ms, 2),
      fmt(r.latencyP99Ms, 2),
    ]),
  );
  return rows;
}
