import memjs from 'memjs';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';
import { RawSocketClient } from './lib/raw-socket.js';

const { createClient } = await loadMemcas();

/** One row of the single-node benchmark. */
export interface SingleNodeRow {
  concurrency: number;
  memjsGetSetPairsPerSec: number;
  memcasGetsCasPairsPerSec: number;
  socketGetsCasPairsPerSec: number;
}

const VALUE = { name: 'Alice', email: 'alice@example.com', visits: 0 };
const RAW_VALUE = Buffer.from(JSON.stringify(VALUE));

/**
 * Pairs per second on one node at each concurrency: get+set through memjs
 * 1.3.2's public API, gets+cas through memcas, gets+cas through a minimal
 * pipelined socket (the ceiling).
 */
export async function benchSingleNode(
  node: MemcachedNode,
  seconds: number,
  levels = [1, 64, 256],
): Promise<SingleNodeRow[]> {
  const rows: SingleNodeRow[] = [];
  for (const concurrency of levels) {
    const mj = memjs.Client.create(node.address, { logger: { log: () => {} } });
    const client = createClient({ servers: [node.address] });
    await Promise.all(Array.from({ length: concurrency }, (_, w) => client.set(`mc:${w}`, VALUE)));
    const raw = await RawSocketClient.open(node.host, node.port);
    const best = { memjs: 0, memcas: 0, socket: 0 };
    // Three interleaved rounds, best of each: a 2-core machine drifts between runs.
    for (let round = 0; round < 3; round++) {
      const memjsRun = await throughput(concurrency, seconds / 3, async (w) => {
        await mj.get(`mj:${w}`);
        await mj.set(`mj:${w}`, RAW_VALUE, {});
      });
      const memcasRun = await throughput(concurrency, seconds / 3, async (w) => {
        const hit = await client.gets<typeof VALUE>(`mc:${w}`);
        await client.cas(`mc:${w}`, VALUE, hit!.cas);
      });
      const socketRun = await throughput(concurrency, seconds / 3, async (w) => {
        const hit = await raw.get(`mc:${w}`);
        await raw.cas(`mc:${w}`, VALUE, hit!.cas);
      });
      best.memjs = Math.max(best.memjs, memjsRun.perSecond);
      best.memcas = Math.max(best.memcas, memcasRun.perSecond);
      best.socket = Math.max(best.socket, socketRun.perSecond);
    }
    mj.close();
    await client.close();
    raw.close();
    rows.push({
      concurrency,
      memjsGetSetPairsPerSec: best.memjs,
      memcasGetsCasPairsPerSec: best.memcas,
      socketGetsCasPairsPerSec: best.socket,
    });
    process.stderr.write(`  single node, ${concurrency} in flight: done\n`);
  }
  printTable(
    [
      'in flight',
      'memjs get+set /s',
      'memcas gets+cas /s',
      'socket gets+cas /s',
      'memcas / memjs',
      'memcas / socket',
    ],
    rows.map((r) => [
      String(r.concurrency),
      fmt(r.memjsGetSetPairsPerSec),
      fmt(r.memcasGetsCasPairsPerSec),
      fmt(r.socketGetsCasPairsPerSec),
      `${fmt(r.memcasGetsCasPairsPerSec / r.memjsGetSetPairsPerSec, 2)}x`,
      `${fmt(r.memcasGetsCasPairsPerSec / r.socketGetsCasPairsPerSec, 2)}`,
    ]),
  );
  return rows;
}
