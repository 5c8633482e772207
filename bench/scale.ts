import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import { startMemcached, type MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, percentile, printTable } from './lib/measure.js';
import type { Client } from '../src/index.js';

const { createClient } = await loadMemcas();
const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test/helpers/update-worker.ts', import.meta.url));

/** Node counts measured. */
const NODE_COUNTS = [1, 3, 16, 64] as const;
/** Ring sizes for the rebuild measurement (hashring's default 40 vnodes x 4 points per node). */
const RING_SIZES = [16, 100, 1000] as const;
/** Runs per measurement; the table gives their median and minimum. */
const RUNS = 7;

/** CPU per operation at one cluster size. */
export interface ScaleCpuRow {
  nodes: number;
  /** update() calls in flight (1: nothing for the client to batch into one socket write). */
  inFlight: number;
  /** This process's CPU (user + system) per uncontended update(), µs: median and minimum of the runs. */
  updateCpuMicros: { median: number; min: number };
  /** This process's CPU per key of getMany(1,000 keys), µs. */
  getManyCpuMicrosPerKey: { median: number; min: number };
}

/** Time of one membership change at one ring size. */
export interface RebuildRow {
  nodes: number;
  /** `client.addServer()` of one more node, ms: median and minimum of the runs. */
  addServerMs: { median: number; min: number };
  /** `client.removeServer()` of it again, ms. */
  removeServerMs: { median: number; min: number };
}

/** Contention on hot keys as servers and writers vary. */
export interface ContentionRow {
  servers: number;
  /** Hot keys the writers share. */
  keys: number;
  /** update() loops in all, over 4 processes, combining off, no backoff. */
  writers: number;
  updatesPerSec: number;
  attempts: { mean: number; p50: number; p99: number };
  /** The model's attempts for w = writers/keys writers per key: geometric with p = 1/w (mean w, p99 about 4.6 w). */
  model: { mean: number; p99: number };
}

/** The scale section's results. */
export interface ScaleResults {
  cpu: ScaleCpuRow[];
  rebuild: RebuildRow[];
  contention: ContentionRow[];
  /** The 1-minute load average before and after. */
  loadAverage: [number, number];
}

function stats(values: number[]): { median: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]! };
}

/** CPU µs of this process while `fn` runs. */
async function cpuOf(fn: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * CPU per uncontended update(): `inFlight` loops, each on keys of its own (no
 * two calls on one key at once, so no conflict and no combining), `count`
 * updates per run.
 */
async function updateCpu(client: Client, inFlight: number, count: number): Promise<number[]> {
  const keys = 1024;
  const loop = async (w: number, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const k = (w + i * inFlight) % keys;
      await client.update<number>(`scale:u:${k}`, (v) => (v ?? 0) + 1);
    }
  };
  const all = (n: number): Promise<void> =>
    Promise.all(Array.from({ length: inFlight }, (_, w) => loop(w, n))).then(() => undefined);
  await all(Math.ceil(2000 / inFlight)); // warm-up: every connection open, the JIT settled
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push((await cpuOf(() => all(count / inFlight))) / count);
  return runs;
}

/** CPU per key of getMany(1,000 keys, half of them hits). */
async function getManyCpu(client: Client, calls: number): Promise<number[]> {
  const keys = Array.from({ length: 1000 }, (_, i) => `scale:g:${i}`);
  await Promise.all(keys.filter((_, i) => i % 2 === 0).map((k) => client.set(k, k)));
  const many = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await client.getMany(keys);
  };
  await many(20);
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++)
    runs.push((await cpuOf(() => many(calls))) / (calls * keys.length));
  return runs;
}

/** Addresses that are never connected to: adding and removing nodes opens nothing. */
const fakeAddress = (i: number): string =>
  `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:11211`;

/** addServer and removeServer of one node on a client of `n` nodes (none contacted). */
function rebuild(n: number): RebuildRow {
  const client = createClient({ servers: Array.from({ length: n }, (_, i) => fakeAddress(i + 1)) });
  const extra = fakeAddress(n + 1);
  const adds: number[] = [];
  const removes: number[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    let t0 = performance.now();
    client.addServer(extra);
    const add = performance.now() - t0;
    // Owner lookups after a change pay for nothing the change deferred: one to be sure.
    client.nodeFor('after-change');
    t0 = performance.now();
    void client.removeServer(extra);
    const remove = performance.now() - t0;
    if (r > 0) {
      adds.push(add);
      removes.push(remove);
    }
  }
  void client.close();
  return { nodes: n, addServerMs: stats(adds), removeServerMs: stats(removes) };
}

/**
 * `keys` hot keys on `servers` nodes, 4 processes x 16 update() loops,
 * combining off and no backoff, so every writer contends: attempts per
 * update against the model (w = writers per key; each contested round is won
 * by one of w, so attempts are geometric with p = 1/w).
 */
async function hotKeys(servers: number, keys: number, seconds: number): Promise<ContentionRow> {
  const nodes = await startMemcached(servers, { memoryMb: 16 });
  try {
    const list = nodes.map((n) => n.address).join(',');
    const args = [worker, list, String(keys), `${seconds * 1000}ms`, '16', 'none', 'false'];
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', ...args], {
          env: { ...process.env, MEMCAS_ENTRY: 'dist' },
          timeout: 600_000,
          maxBuffer: 256 * 1024 * 1024,
        }),
      ),
    );
    let attempts: number[] = [];
    let elapsed = 0;
    for (const { stdout } of outs) {
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
        attempts: number[];
        seconds: number;
      };
      attempts = attempts.concat(r.attempts);
      elapsed = Math.max(elapsed, r.seconds);
    }
    attempts.sort((a, b) => a - b);
    const w = 64 / keys;
    return {
      servers,
      keys,
      writers: 64,
      updatesPerSec: attempts.length / elapsed,
      attempts: {
        mean: attempts.reduce((a, b) => a + b, 0) / attempts.length,
        p50: percentile(attempts, 50),
        p99: percentile(attempts, 99),
      },
      model: { mean: w, p99: w <= 1 ? 1 : Math.ceil(Math.log(0.01) / Math.log(1 - 1 / w)) },
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/**
 * What a key costs as the fleet grows: client CPU per uncontended update()
 * and per getMany key at 1, 3, 16 and 64 real memcached nodes (64 processes
 * at -m 16), and the time of a membership change at 16, 100 and 1,000 nodes.
 */
export async function benchScale(seconds: number): Promise<ScaleResults> {
  const load0 = loadavg()[0]!;
  const nodes: MemcachedNode[] = await startMemcached(64, { memoryMb: 16 });
  const cpu: ScaleCpuRow[] = [];
  try {
    // Counts sized so one run takes about seconds/RUNS on this machine at 1 in flight.
    const updates = Math.max(500, Math.round(seconds * 1000));
    for (const inFlight of [1, 64]) {
      for (const n of NODE_COUNTS) {
        const client = createClient({ servers: nodes.slice(0, n).map((x) => x.address) });
        try {
          const u = await updateCpu(client, inFlight, inFlight === 1 ? updates : updates * 4);
          const g = inFlight === 1 ? await getManyCpu(client, Math.max(10, seconds * 10)) : [];
          cpu.push({
            nodes: n,
            inFlight,
            updateCpuMicros: stats(u),
            getManyCpuMicrosPerKey: g.length > 0 ? stats(g) : { median: NaN, min: NaN },
          });
          process.stderr.write(`  scale: ${n} nodes, ${inFlight} in flight: done\n`);
        } finally {
          await client.close();
        }
      }
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
  const rebuildRows = RING_SIZES.map(rebuild);
  const contention: ContentionRow[] = [];
  for (const [servers, keys] of [
    [1, 1],
    [16, 1],
    [1, 16],
    [16, 16],
  ] as const) {
    contention.push(await hotKeys(servers, keys, seconds));
    process.stderr.write(`  scale: contention, ${servers} servers, ${keys} keys: done\n`);
  }
  const load1 = loadavg()[0]!;

  printTable(
    ['nodes', 'in flight', 'CPU µs/update (median, min)', 'CPU µs per getMany key (median, min)'],
    cpu.map((r) => [
      String(r.nodes),
      String(r.inFlight),
      `${fmt(r.updateCpuMicros.median, 1)}, ${fmt(r.updateCpuMicros.min, 1)}`,
      Number.isNaN(r.getManyCpuMicrosPerKey.median)
        ? '-'
        : `${fmt(r.getManyCpuMicrosPerKey.median, 2)}, ${fmt(r.getManyCpuMicrosPerKey.min, 2)}`,
    ]),
  );
  console.log('');
  printTable(
    ['nodes on the ring', 'addServer ms (median, min)', 'removeServer ms (median, min)'],
    rebuildRows.map((r) => [
      String(r.nodes),
      `${fmt(r.addServerMs.median, 2)}, ${fmt(r.addServerMs.min, 2)}`,
      `${fmt(r.removeServerMs.median, 2)}, ${fmt(r.removeServerMs.min, 2)}`,
    ]),
  );
  console.log('');
  printTable(
    [
      'servers',
      'hot keys',
      'writers',
      'updates/s',
      'attempts mean / p50 / p99',
      'model mean / p99',
    ],
    contention.map((r) => [
      String(r.servers),
      String(r.keys),
      String(r.writers),
      fmt(r.updatesPerSec),
      `${fmt(r.attempts.mean, 2)} / ${r.attempts.p50} / ${r.attempts.p99}`,
      `${fmt(r.model.mean, 1)} / ${fmt(r.model.p99, 0)}`,
    ]),
  );
  console.log(`\nload average (1 min): ${fmt(load0, 2)} before, ${fmt(load1, 2)} after`);
  return { cpu, rebuild: rebuildRows, contention, loadAverage: [load0, load1] };
}
