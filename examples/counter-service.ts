/**
 * A small HTTP service whose handlers keep shared counters and quotas in
 * memcas. Two instances run on different ports against the same cluster, and
 * a load loop hits both: the totals stay exact and no quota is overspent.
 *
 *   POST /hit/:page        count a page view        -> { page, hits }
 *   POST /spend/:user      use one unit of quota    -> 200 { left } | 429 { error }
 *   GET  /stats/:page      read a counter           -> { page, hits }
 *
 * Run: npx tsx examples/counter-service.ts
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { abort, createClient, type Client, type ClientOptions } from 'memcas';
import { localCluster } from './lib/local-cluster.js';

const QUOTA = 50;

/** One instance of the service: its own memcas client, like its own server. */
function startService(
  options: ClientOptions,
): Promise<{ server: Server; client: Client; port: number }> {
  const client = createClient({ ...options, keyPrefix: 'svc:' });
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const [, action, id] = (req.url ?? '').split('/');
    try {
      if (req.method === 'POST' && action === 'hit' && id) {
        const r = await client.update<number>(`hits:${id}`, (n) => (n ?? 0) + 1);
        return send(200, { page: id, hits: r.value });
      }
      if (req.method === 'POST' && action === 'spend' && id) {
        const r = await client.update<number, string>(
          `quota:${id}`,
          (left) => {
            const now = left ?? QUOTA;
            return now > 0 ? now - 1 : abort('quota exhausted');
          },
          { ttlSeconds: 3600 },
        );
        return r.outcome === 'aborted'
          ? send(429, { error: r.result })
          : send(200, { left: r.value });
      }
      if (req.method === 'GET' && action === 'stats' && id) {
        return send(200, { page: id, hits: (await client.get<number>(`hits:${id}`)) ?? 0 });
      }
      send(404, { error: 'not found' });
    } catch (err) {
      send(503, { error: (err as Error).name });
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, client, port: (server.address() as AddressInfo).port }),
    ),
  );
}

function call(
  port: number,
  method: string,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const cluster = await localCluster(3);
  const services = [await startService(cluster.options), await startService(cluster.options)];
  const ports = services.map((s) => s.port);
  console.log(`two service instances on ports ${ports.join(' and ')}, sharing the cluster`);
  try {
    const requests = process.argv.includes('--smoke') ? 200 : 2000;
    const pages = ['home', 'pricing', 'docs'];
    let spent = 0;
    let refused = 0;
    // 16 clients in parallel, alternating between the two instances.
    await Promise.all(
      Array.from({ length: 16 }, async (_, c) => {
        for (let i = c; i < requests; i += 16) {
          const port = ports[i % 2]!;
          await call(port, 'POST', `/hit/${pages[i % pages.length]}`);
          const r = await call(port, 'POST', '/spend/alice');
          if (r.status === 200) spent++;
          else refused++;
        }
      }),
    );
    let total = 0;
    for (const page of pages) {
      const { body } = await call(ports[0]!, 'GET', `/stats/${page}`);
      console.log(`  ${page.padEnd(8)} ${String(body.hits).padStart(5)} hits`);
      total += Number(body.hits);
    }
    console.log(`  total    ${String(total).padStart(5)} hits for ${requests} requests`);
    console.log(`  quota: ${spent} spent, ${refused} refused (quota ${QUOTA})`);
    if (total !== requests || spent !== QUOTA) throw new Error('a count is off');
    console.log('  exact: no hit lost, no quota overspent.');
  } finally {
    for (const s of services) {
      s.server.close();
      await s.client.close();
    }
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
