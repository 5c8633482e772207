import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
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
  /**
   * Where the keys live: spread over every node, or all on one of them (the
   * same ring and routing, one server process answering).
   */
  keys: 'spread' | 'on one node';
  /** update() calls in flight (1: nothing for the client to batch into one socket write). */
  inFlight: number;
  /** This process's CPU (user + system) per uncontended update(), µs: median and minimum of the runs. */
  updateCpuMicros: { median: number; min: number };
  /** Of which user time (memcas and Node's JavaScript), µs, the run of median total. */
  updateUserMicros: number;
  /**
   * The floor without memcas: CPU of two raw text round trips (`get` → `END`)
   * on plain sockets, spread over the same nodes as the keys, µs (median).
   */
  rawTwoRoundTripsMicros: number;
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

/** CPU µs of this process while `fn` runs: user + system, and user alone. */
async function cpuOf(fn: () => Promise<void>): Promise<{ total: number; user: number }> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return { total: used.user + used.system, user: used.user };
}

/** CPU of one measured run, per operation, µs. */
interface Run {
  total: number;
  user: number;
}

/**
 * One configuration of the CPU measurement: a client over the first `nodes`
 * nodes, `inFlight` update() loops over 1,024 keys of their own (no two calls
 * on one key at once: no conflict, no combining), and the raw-socket floor
 * over the same nodes. Every case is set up and warmed first, then measured
 * run by run in turn, so that drift on a shared machine falls on all alike.
 */
class CpuCase {
  readonly updates: Run[] = [];
  readonly raw: number[] = [];
  readonly getMany: number[] = [];
  private keys: string[] = [];
  private readonly gmKeys = Array.from({ length: 1000 }, (_, i) => `scale:g:${i}`);
  private sockets: Socket[] = [];
  private readonly client: Client;

  constructor(
    readonly nodes: readonly MemcachedNode[],
    readonly where: ScaleCpuRow['keys'],
    readonly inFlight: number,
  ) {
    this.client = createClient({ servers: nodes.map((n) => n.address) });
  }

  /** Opens everything and warms it up (connections, the JIT). */
  async setUp(): Promise<void> {
    const first = this.nodes[0]!.address;
    for (let i = 0; this.keys.length < 1024; i++) {
      const k = `scale:u:${i}`;
      if (this.where === 'spread' || this.client.nodeFor(k) === first) this.keys.push(k);
    }
    await this.updateAll(Math.ceil(2000 / this.inFlight));
    if (this.inFlight > 1) return;
    const over = this.where === 'spread' ? this.nodes : this.nodes.slice(0, 1);
    this.sockets = await Promise.all(
      over.map(
        (n) =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect({ host: n.host, port: n.port, noDelay: true }, () => resolve(s));
            s.once('error', reject);
          }),
      ),
    );
    await this.rawAll(500);
    if (this.where === 'spread') {
      await Promise.all(
        this.gmKeys.filter((_, i) => i % 2 === 0).map((k) => this.client.set(k, k)),
      );
      await this.getManyAll(20);
    }
  }

  /** One run of each measurement this case makes. */
  async measure(updates: number, getManyCalls: number): Promise<void> {
    const count = this.inFlight === 1 ? updates : updates * 4;
    const used = await cpuOf(() => this.updateAll(count / this.inFlight));
    this.updates.push({ total: used.total / count, user: used.user / count });
    if (this.inFlight > 1) return;
    this.raw.push((await cpuOf(() => this.rawAll(updates))).total / updates);
    if (this.where === 'spread') {
      const calls = getManyCalls;
      const cpu = await cpuOf(() => this.getManyAll(calls));
      this.getMany.push(cpu.total / (calls * this.gmKeys.length));
    }
  }

  row(): ScaleCpuRow {
    const totals = stats(this.updates.map((x) => x.total));
    return {
      nodes: this.nodes.length,
      keys: this.where,
      inFlight: this.inFlight,
      updateCpuMicros: totals,
      updateUserMicros: this.updates.find((x) => x.total === totals.median)!.user,
      rawTwoRoundTripsMicros: this.raw.length > 0 ? 2 * stats(this.raw).median : NaN,
      getManyCpuMicrosPerKey:
        this.getMany.length > 0 ? stats(this.getMany) : { median: NaN, min: NaN },
    };
  }

  async tearDown(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await this.client.close();
  }

  private async updateAll(perLoop: number): Promise<void> {
    const loop = async (w: number): Promise<void> => {
      for (let i = 0; i < perLoop; i++) {
        const k = this.keys[(w + i * this.inFlight) % this.keys.length] as string;
        await this.client.update<number>(k, (v) => (v ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: this.inFlight }, (_, w) => loop(w)));
  }

  /**
   * Sequential raw round trips (`get` → `END`, no memcas) over plain sockets
   * to the same nodes, in turn: what the machine charges for a round trip when
   * consecutive ones go to different server processes.
   */
  private async rawAll(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const s = this.sockets[i % this.sockets.length] as Socket;
      await new Promise<void>((resolve) => {
        s.once('data', () => resolve());
        s.write('get scale:raw\r\n');
      });
    }
  }

  private async getManyAll(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.client.getMany(this.gmKeys);
  }
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
    const cases = [
      ...NODE_COUNTS.map((n) => new CpuCase(nodes.slice(0, n), 'spread', 1)),
      new CpuCase(nodes.slice(0, 16), 'on one node', 1),
      new CpuCase(nodes.slice(0, 64), 'on one node', 1),
      ...NODE_COUNTS.map((n) => new CpuCase(nodes.slice(0, n), 'spread', 64)),
    ];
    try {
      for (const c of cases) await c.setUp();
      for (let r = 0; r < RUNS; r++) {
        for (const c of cases) await c.measure(updates, Math.max(10, seconds * 10));
        process.stderr.write(`  scale: CPU run ${r + 1} of ${RUNS}: done\n`);
      }
      cpu.push(...cases.map((c) => c.row()));
    } finally {
      await Promise.all(cases.map((c) => c.tearDown()));
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
  printTable(
    [
      'nodes',
      'keys',
      'in flight',
      'CPU µs/update (median, min)',
      'of which user',
      'raw sockets: 2 round trips',
      'CPU µs per getMany key (median, min)',
    ],
    cpu.map((r) => [
      String(r.nodes),
      r.keys,
      String(r.inFlight),
      `${fmt(r.updateCpuMicros.median, 1)}, ${fmt(r.updateCpuMicros.min, 1)}`,
      fmt(r.updateUserMicros, 1),
      Number.isNaN(r.rawTwoRoundTripsMicros) ? '-' : fmt(r.rawTwoRoundTripsMicros, 1),
      Number.isNaN(r.getManyCpuMicrosPerKey.median)
        ? '-'
        : `${fmt(r.getManyCpuMicrosPerKey.median, 2)}, ${fmt(r.getManyCpuMicrosPerKey.min, 2)}`,
    ]),
  );
  const rebuildRows = RING_SIZES.map(rebuild);
  console.log('');
  printTable(
    ['nodes on the ring', 'addServer ms (median, min)', 'removeServer ms (median, min)'],
    rebuildRows.map((r) => [
      String(r.nodes),
      `${fmt(r.addServerMs.median, 2)}, ${fmt(r.addServerMs.min, 2)}`,
      `${fmt(r.removeServerMs.median, 2)}, ${fmt(r.removeServerMs.min, 2)}`,
    ]),
  );
  const contention: ContentionRow[] = [];
  for (const [servers, keys] of [
    [1, 1],
    [16, 1],
    [1, 16],
    [16, 16],
  ] as const) {
    try {
      contention.push(await hotKeys(servers, keys, seconds));
    } catch (error) {
      // A worker whose write went unanswered (an overloaded machine) stops with IndeterminateWriteError.
      const why =
        (error as { stderr?: string }).stderr?.match(/\w+Error: .*/)?.[0] ?? String(error);
      process.stderr.write(
        `  scale: contention, ${servers} servers, ${keys} keys failed: ${why}\n`,
      );
      continue;
    }
    process.stderr.write(`  scale: contention, ${servers} servers, ${keys} keys: done\n`);
  }
  const load1 = loadavg()[0]!;
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
