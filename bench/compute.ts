import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, percentile, printTable } from './lib/measure.js';

const { createClient } = await loadMemcas();
const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test/helpers/compute-worker.ts', import.meta.url));

/** Processes and callers per process of the stampede. */
const PROCESSES = 4;
const CALLERS = 64;
/** What one compute costs (a database query, say). */
const COMPUTE_MS = 50;
/** Rounds per row; the row gives their medians. */
const ROUNDS = 3;

/** One stampede configuration, medians over {@link ROUNDS} rounds. */
export interface StampedeRow {
  protocol: 'meta' | 'binary';
  /** `getOrCompute`, or `get, then compute and set on a miss`. */
  mode: 'getOrCompute' | 'get+set';
  computes: number;
  /** memcached commands served (cmd_get + cmd_set + cmd_touch + deletes) for the 256 callers. */
  operations: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** How far apart the processes started their callers, in ms (a loaded machine starts some late). */
  startSpreadMs: number;
}

/** memcached's own count of the commands it served. */
async function served(node: MemcachedNode): Promise<number> {
  const client = createClient({ servers: [node.address] });
  try {
    const s = Object.values(await client.stats())[0]!;
    return (
      Number(s.cmd_get) +
      Number(s.cmd_set) +
      Number(s.cmd_touch) +
      Number(s.delete_hits) +
      Number(s.delete_misses)
    );
  } finally {
    await client.close();
  }
}

async function stampede(
  node: MemcachedNode,
  protocol: StampedeRow['protocol'],
  mode: StampedeRow['mode'],
  round: number,
): Promise<Omit<StampedeRow, 'protocol' | 'mode'>> {
  const key = `cold:${protocol}:${mode}:${round}:${Date.now()}`;
  const before = await served(node);
  // The processes take a few seconds to load on a busy machine; their callers all start at one instant.
  const startAt = Date.now() + 10_000;
  const outs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          worker,
          node.address,
          protocol,
          mode === 'getOrCompute' ? 'lease' : 'naive',
          key,
          String(CALLERS),
          String(COMPUTE_MS),
          String(startAt),
        ],
        { timeout: 120_000, env: { ...process.env, MEMCAS_ENTRY: 'dist' } },
      ),
    ),
  );
  // The stats reads themselves are not commands cmd_* count.
  const operations = (await served(node)) - before;
  let computes = 0;
  const latencies: number[] = [];
  const late: number[] = [];
  for (const { stdout } of outs) {
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      computes: number;
      latencies: number[];
      lateMs: number;
    };
    computes += r.computes;
    latencies.push(...r.latencies);
    late.push(r.lateMs);
  }
  latencies.sort((a, b) => a - b);
  return {
    computes,
    operations,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    startSpreadMs: Math.max(...late) - Math.min(...late),
  };
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * A cold-key stampede: 4 processes × 64 callers ask for one missing key at
 * the same instant; its compute takes 50 ms. With `getOrCompute` (memcached's
 * own leases over meta, add and CAS over binary) and without (get; on a miss,
 * compute and set). Rounds alternate between the modes so drift hits both.
 */
export async function benchCompute(node: MemcachedNode): Promise<StampedeRow[]> {
  const rows: StampedeRow[] = [];
  for (const protocol of ['meta', 'binary'] as const) {
    const runs: Record<StampedeRow['mode'], Array<Omit<StampedeRow, 'protocol' | 'mode'>>> = {
      getOrCompute: [],
      'get+set': [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['get+set', 'getOrCompute'] as const) {
        runs[mode].push(await stampede(node, protocol, mode, round));
        process.stderr.write(`  ${protocol} ${mode} round ${round + 1}: done\n`);
      }
    }
    for (const mode of ['get+set', 'getOrCompute'] as const) {
      const r = runs[mode];
      rows.push({
        protocol,
        mode,
        computes: median(r.map((x) => x.computes)),
        operations: median(r.map((x) => x.operations)),
        latencyP50Ms: median(r.map((x) => x.latencyP50Ms)),
        latencyP99Ms: median(r.map((x) => x.latencyP99Ms)),
        startSpreadMs: median(r.map((x) => x.startSpreadMs)),
      });
    }
  }
  printTable(
    [
      'protocol',
      'callers use',
      'compute calls',
      'memcached ops',
      'latency p50 ms',
      'latency p99 ms',
      'start spread ms',
    ],
    rows.map((r) => [
      r.protocol,
      r.mode,
      fmt(r.computes),
      fmt(r.operations),
      fmt(r.latencyP50Ms, 1),
      fmt(r.latencyP99Ms, 1),
      fmt(r.startSpreadMs, 1),
    ]),
  );
  console.log(
    `(${PROCESSES} processes x ${CALLERS} callers, one cold key, compute ${COMPUTE_MS} ms; medians of ${ROUNDS} rounds)`,
  );
  return rows;
}
