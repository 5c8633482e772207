import { loadMemcas } from './lib/memcas.js';
import type { ClientOptions } from '../src/index.js';
import { makeTestPki } from '../test/helpers/certificates.js';
import { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';

const { createClient } = await loadMemcas();

/** gets+cas pairs/s at 64 in flight, plain TCP vs TLS, same run. */
export interface TlsResult {
  plainPairsPerSec: number;
  tlsPairsPerSec: number;
}

async function pairs(options: ClientOptions, seconds: number): Promise<number> {
  const client = createClient(options);
  await Promise.all(Array.from({ length: 64 }, (_, w) => client.set(`p:${w}`, { w })));
  const run = await throughput(64, seconds, async (w) => {
    const hit = await client.gets(`p:${w}`);
    await client.cas(`p:${w}`, { w }, hit!.cas);
  });
  await client.close();
  return run.perSecond;
}

/** Starts a plain and a TLS node and measures both. */
export async function benchTls(seconds: number): Promise<TlsResult> {
  const pki = makeTestPki();
  const [plain, tls] = await Promise.all([
    MemcachedNode.start(),
    MemcachedNode.start({ tls: { certFile: pki.certFile, keyFile: pki.keyFile } }),
  ]);
  try {
    const plainPairsPerSec = await pairs({ servers: [plain.address] }, seconds);
    const tlsPairsPerSec = await pairs({ servers: [tls.address], tls: { ca: pki.ca } }, seconds);
    printTable(
      ['transport', 'gets+cas pairs/s (64 in flight)', 'relative'],
      [
        ['plain TCP', fmt(plainPairsPerSec), '100%'],
        ['TLS', fmt(tlsPairsPerSec), `${fmt((tlsPairsPerSec / plainPairsPerSec) * 100, 1)}%`],
      ],
    );
    return { plainPairsPerSec, tlsPairsPerSec };
  } finally {
    await Promise.all([plain.stop(), tls.stop()]);
  }
}
