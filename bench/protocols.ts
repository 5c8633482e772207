import memjs from 'memjs';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';
import { RawMetaClient } from './lib/raw-meta-socket.js';
import { RawSocketClient } from './lib/raw-socket.js';

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
}

const VALUE = { name: 'Alice', email: 'alice@example.com', visits: 0 };
const RAW = Buffer.from(JSON.stringify(VALUE));
type Protocol = 'binary' | 'meta' | 'text';

/**
 * Each protocol on one node, at each concurrency: gets+cas pairs through raw
 * pipelined binary and meta sockets (the ceilings), memjs's get+set, memcas
 * over binary, meta and text, and uncontended update() over meta and binary.
 * Best of three interleaved rounds: a 2-core machine drifts between runs.
 */
export async function benchProtocols(
  node: MemcachedNode,
  seconds: number,
  levels = [1, 64, 256],
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
    const keep = (name: string, perSecond: number): void => {
      best[name] = Math.max(best[name] ?? 0, perSecond);
    };
    const slice = seconds / 3 / 8;
    for (let round = 0; round < 3; round++) {
      keep(
        'rawBinary',
        (
          await throughput(concurrency, slice, async (w) => {
            const cas = await rawBinary.get(`rb:${w}`);
            await rawBinary.cas(`rb:${w}`, RAW, cas);
          })
        ).perSecond,
      );
      keep(
        'rawMeta',
        (
          await throughput(concurrency, slice, async (w) => {
            const cas = await rawMeta.get(`rm:${w}`);
            await rawMeta.cas(`rm:${w}`, RAW, cas);
          })
        ).perSecond,
      );
      keep(
        'memjs',
        (
          await throughput(concurrency, slice, async (w) => {
            await mj.get(`mj:${w}`);
            await mj.set(`mj:${w}`, RAW, {});
          })
        ).perSecond,
      );
      for (const [protocol, c] of clients) {
        keep(
          protocol,
          (
            await throughput(concurrency, slice, async (w) => {
              const hit = await c.gets<typeof VALUE>(`p:${w}`);
              await c.cas(`p:${w}`, VALUE, hit!.cas);
            })
          ).perSecond,
        );
      }
      for (const protocol of ['meta', 'binary'] as const) {
        const c = clients.get(protocol);
        if (!c) continue;
        keep(
          `update-${protocol}`,
          (
            await throughput(concurrency, slice, async (w) => {
              await c.update<typeof VALUE>(`p:${w}`, (v) => ({ ...v!, visits: v!.visits + 1 }));
            })
          ).perSecond,
        );
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
  return rows;
}
