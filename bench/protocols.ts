import memjs from 'memjs';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';
import { RawMetaClient } from './lib/raw-meta-socket.js';
import { RawSocketClient } from './lib/raw-socket.js';
import { pinApart } from './lib/pin.js';

const { createClient } = await loadMemcas();

/** One row of the protocol benchmark: pairs (or updates) per second at one concurrency. */
export interface ProtocolRow {
  concurrency: number;
  rawBinary: number;
  rawMeta: number;
  memjsGetSet: number;
  memcasBinary: number;
  memcasMeta: number;
  memcasText: number | undefined;
  updateMeta: number;
  updateBinary: number;
  /** The three ratios in each paired round. */
  paired: PairedRatios;
  /** CPU of this process per pair (µs; per update for update()), least of the rounds. */
  cpuRawMeta: number;
  cpuMemcasMeta: number;
  cpuMemcasBinary: number;
  cpuUpdateMeta: number;
}

const VALUE = { name: 'Alice', email: 'alice@example.com', visits: 0 };
type Protocol = 'binary' | 'meta' | 'text';

/**
 * Each protocol on one node, at each concurrency: gets+cas pairs through raw
 * pipelined binary and meta sockets (the ceilings), memjs's get+set, memcas
 * over binary, meta and text, and uncontended update() over meta and binary.
 * Best of three interleaved rounds: a 2-core machine drifts between runs.
 *
 * Every gets+cas row does the same work per pair: the same items (set
 * beforehand, so each pair is a hit and a stored replace, never a miss and a
 * refused compare), the same value decoded and encoded as JSON, every reply
 * checked against its request (by opaque on the raw sockets too).
 */
export async function benchProtocols(
  node: MemcachedNode,
  seconds: number,
  levels = [1, 64, 256],
): Promise<ProtocolRow[]> {
  const pid = node.process?.pid;
  const { pinning, unpin } = pinApart(pid === undefined ? [] : [pid]);
  console.log(
    pinning.pinned
      ? `Pinned: this process on CPU ${pinning.bench}, memcached on CPU ${pinning.server}.\n`
      : `Not pinned (${pinning.why}): rounds vary more.\n`,
  );
  try {
    return await measure(node, seconds, levels);
  } finally {
    unpin();
  }
}

async function measure(
  node: MemcachedNode,
  seconds: number,
  levels: readonly number[],
): Promise<ProtocolRow[]> {
  const rows: ProtocolRow[] = [];
  for (const concurrency of levels) {
    const mj = memjs.Client.create(node.address, { logger: { log: () => {} } });
    const clients = new Map<Protocol, ReturnType<typeof createClient>>();
    for (const protocol of ['binary', 'meta', 'text'] as const) {
      try {
        const c = createClient({ servers: [node.address], protocol });
        await c.set('probe', 1);
        clients.set(protocol, c);
      } catch {
        // a protocol this build does not speak yet
      }
    }
    for (const c of clients.values()) {
      await Promise.all(Array.from({ length: concurrency }, (_, w) => c.set(`p:${w}`, VALUE)));
    }
    const rawBinary = await RawSocketClient.open(node.host, node.port);
    const rawMeta = await RawMetaClient.open(node.host, node.port);
    const best: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const slice = seconds / 3 / 8;
    // Pairs per second (best of the rounds), and CPU per pair (least of the
    // rounds): on a shared machine the CPU a pair costs this process moves
    // less with the load than the pairs it completes per second.
    const run = async (name: string, step: (w: number) => Promise<unknown>): Promise<void> => {
      const t = await throughput(concurrency, slice, step);
      best[name] = Math.max(best[name] ?? 0, t.perSecond);
      cpu[name] = Math.min(cpu[name] ?? Infinity, t.cpuMicros / t.count);
    };
    for (let round = 0; round < 3; round++) {
      await run('rawBinary', async (w) => {
        const hit = await rawBinary.get(`p:${w}`);
        await rawBinary.cas(`p:${w}`, VALUE, hit!.cas);
      });
      await run('rawMeta', async (w) => {
        const hit = await rawMeta.get(`p:${w}`);
        await rawMeta.cas(`p:${w}`, VALUE, hit!.cas);
      });
      await run('memjs', async (w) => {
        const { value } = await mj.get(`p:${w}`);
        JSON.parse(value!.toString('utf8'));
        await mj.set(`p:${w}`, Buffer.from(JSON.stringify(VALUE)), {});
      });
      for (const [protocol, c] of clients) {
        await run(protocol, async (w) => {
          const hit = await c.gets<typeof VALUE>(`p:${w}`);
          await c.cas(`p:${w}`, VALUE, hit!.cas);
        });
      }
      for (const protocol of ['meta', 'binary'] as const) {
        const c = clients.get(protocol);
        if (!c) continue;
        await run(`update-${protocol}`, async (w) => {
          await c.update<typeof VALUE>(`p:${w}`, (v) => ({ ...v!, visits: v!.visits + 1 }));
        });
      }
    }
    // The targets are ratios of noisy rates: also measured in paired rounds
    // (the rows of a target back to back, their order rotating each round),
    // reported as the median of the per-round ratios.
    const meta = clients.get('meta');
    const binary = clients.get('binary');
    const paired: PairedRatios = { metaRaw: [], metaBinary: [], updateMeta: [] };
    if (meta && binary) {
      const getsCas = (c: typeof meta) => async (w: number) => {
        const hit = await c.gets<typeof VALUE>(`p:${w}`);
        await c.cas(`p:${w}`, VALUE, hit!.cas);
      };
      const steps: Record<string, (w: number) => Promise<unknown>> = {
        raw: async (w) => {
          const hit = await rawMeta.get(`p:${w}`);
          await rawMeta.cas(`p:${w}`, VALUE, hit!.cas);
        },
        meta: getsCas(meta),
        binary: getsCas(binary),
        update: (w) =>
          meta.update<typeof VALUE>(`p:${w}`, (v) => ({ ...v!, visits: v!.visits + 1 })),
      };
      const names = Object.keys(steps);
      for (let round = 0; round < PAIRED_ROUNDS; round++) {
        const rate: Record<string, number> = {};
        for (let i = 0; i < names.length; i++) {
          const name = names[(round + i) % names.length]!;
          rate[name] = (await throughput(concurrency, slice, steps[name]!)).perSecond;
        }
        paired.metaRaw.push(rate.meta! / rate.raw!);
        paired.metaBinary.push(rate.meta! / rate.binary!);
        paired.updateMeta.push(rate.update! / rate.meta!);
      }
    }
    mj.close();
    rawBinary.close();
    rawMeta.close();
    await Promise.all([...clients.values()].map((c) => c.close()));
    rows.push({
      concurrency,
      rawBinary: best.rawBinary ?? 0,
      rawMeta: best.rawMeta ?? 0,
      memjsGetSet: best.memjs ?? 0,
      memcasBinary: best.binary ?? 0,
      memcasMeta: best.meta ?? 0,
      memcasText: best.text,
      updateMeta: best['update-meta'] ?? 0,
      updateBinary: best['update-binary'] ?? 0,
      cpuRawMeta: cpu.rawMeta ?? 0,
      cpuMemcasMeta: cpu.meta ?? 0,
      cpuMemcasBinary: cpu.binary ?? 0,
      cpuUpdateMeta: cpu['update-meta'] ?? 0,
      paired,
    });
    process.stderr.write(`  protocols, ${concurrency} in flight: done\n`);
  }
  printTable(
    [
      'in flight',
      'raw binary',
      'raw meta',
      'memjs get+set',
      'memcas binary',
      'memcas meta',
      'memcas text',
      'meta / raw meta',
      'meta / binary',
      'update() meta',
      'update() meta / gets+cas meta',
    ],
    rows.map((r) => [
      String(r.concurrency),
      fmt(r.rawBinary),
      fmt(r.rawMeta),
      fmt(r.memjsGetSet),
      fmt(r.memcasBinary),
      fmt(r.memcasMeta),
      r.memcasText === undefined ? 'n/a' : fmt(r.memcasText),
      fmt(r.memcasMeta / r.rawMeta, 2),
      `${fmt(r.memcasMeta / r.memcasBinary, 2)}x`,
      fmt(r.updateMeta),
      fmt(r.updateMeta / r.memcasMeta, 2),
    ]),
  );
  console.log('\nCPU of the benchmark process per pair (µs; per call for update()):\n');
  printTable(
    [
      'in flight',
      'raw meta',
      'memcas meta',
      'memcas binary',
      'update() meta',
      'raw meta / memcas meta',
      'gets+cas meta / update() meta',
    ],
    rows.map((r) => [
      String(r.concurrency),
      fmt(r.cpuRawMeta, 2),
      fmt(r.cpuMemcasMeta, 2),
      fmt(r.cpuMemcasBinary, 2),
      fmt(r.cpuUpdateMeta, 2),
      fmt(r.cpuRawMeta / r.cpuMemcasMeta, 2),
      fmt(r.cpuMemcasMeta / r.cpuUpdateMeta, 2),
    ]),
  );
  console.log(
    `\n${PAIRED_ROUNDS} paired rounds (raw meta, memcas meta, memcas binary, update() meta back to back, order rotating): median of each round's ratio\n`,
  );
  printTable(
    [
      'in flight',
      'meta / raw meta',
      'meta / binary',
      'update() meta / gets+cas meta',
      'update() middle half of the rounds',
    ],
    rows.map((r) => [
      String(r.concurrency),
      fmt(median(r.paired.metaRaw), 2),
      `${fmt(median(r.paired.metaBinary), 2)}x`,
      fmt(median(r.paired.updateMeta), 2),
      `${fmt(quantile(r.paired.updateMeta, 0.25), 2)}–${fmt(quantile(r.paired.updateMeta, 0.75), 2)}`,
    ]),
  );
  return rows;
}

/** Per-round ratios of the three targets. */
export interface PairedRatios {
  /** memcas gets+cas over meta / the raw meta socket. */
  readonly metaRaw: number[];
  /** memcas over meta / memcas over binary. */
  readonly metaBinary: number[];
  /** update() over meta / gets+cas over meta. */
  readonly updateMeta: number[];
}

/** Paired rounds at each concurrency. */
const PAIRED_ROUNDS = 16;

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The `q` quantile of `values`, interpolated between the two nearest. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const below = sorted[Math.floor(at)]!;
  const above = sorted[Math.ceil(at)]!;
  return below + (above - below) * (at - Math.floor(at));
}
