import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/index.js';
import { freePort } from '../../helpers/memcached-node.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

// The OpenTelemetry API takes one global registration per process until it is
// disabled; vitest runs each file in its own fork, and each test here
// disables what it registered.
const cluster = useMemcached(1);
const opened: Client[] = [];
const providers: InMemoryOtel[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  InMemoryOtel.unregisterGlobals();
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function client(options: Parameters<typeof createClient>[0] = {}): Client {
  const c = createClient({ servers: [cluster.nodes[0]!.address], ...options });
  opened.push(c);
  return c;
}

function sdk(): InMemoryOtel {
  const otel = new InMemoryOtel();
  providers.push(otel);
  return otel;
}

/** Creates, updates (one conflict), reads and batch-reads `prefix` keys. */
async function workload(c: Client, prefix: string): Promise<void> {
  const other = client();
  await c.update<number>(`${prefix}:a`, () => 1);
  await c.update<number>(`${prefix}:a`, async (n, ctx) => {
    if (ctx.attempt === 1) await other.set(`${prefix}:a`, 10);
    return n! + 1;
  });
  await c.get(`${prefix}:a`);
  await c.getMany([`${prefix}:a`, `${prefix}:b`]);
}

/** Span names, sorted. */
function spanNames(otel: InMemoryOtel): string[] {
  return otel
    .spans()
    .map((s) => s.name)
    .sort();
}

describe('an SDK registered globally after the client is created', () => {
  it('records the same instruments and spans as one registered before', async () => {
    const first = sdk();
    first.registerGlobally();
    await workload(client({ traceOperations: true }), 'before');
    const sdkFirst = await first.summary();
    const sdkFirstSpans = spanNames(first);
    InMemoryOtel.unregisterGlobals();

    const late = client({ traceOperations: true });
    await late.get('made-before-the-sdk'); // connected, and recorded nowhere
    const second = sdk();
    second.registerGlobally();
    await workload(late, 'after');

    expect(sdkFirst['memcas.update.outcomes']).toEqual({
      '{"memcas.update.outcome":"created"}': 1,
      '{"memcas.update.outcome":"updated"}': 1,
    });
    expect(Object.keys(sdkFirst).sort()).toEqual([
      'db.client.connection.pending_requests',
      'db.client.operation.duration',
      'memcas.backoff.delay',
      'memcas.cas.conflicts',
      'memcas.update.attempts',
      'memcas.update.batch_size',
      'memcas.update.duration',
      'memcas.update.outcomes',
    ]);
    expect(await second.summary()).toEqual(sdkFirst);
    expect(sdkFirstSpans).toContain('memcas update');
    expect(spanNames(second)).toEqual(sdkFirstSpans);
  });

  it('takes over the counts from before it (a node marked down then is still down), not the durations', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const down = createClient({ servers: [dead], failureThreshold: 1, retryAfterMs: 60_000 });
    opened.push(down);
    const live = client();
    await down.get('k').catch(() => undefined); // refused: the node is marked down
    await live.update<number>('counted-before', () => 1);
    await live.update<number>('counted-before', (n) => n! + 1);

    const otel = sdk();
    otel.registerGlobally();
    await live.update<number>('counted-before', (n) => n! + 1);
    await down.update('k', () => 1).catch(() => undefined); // fails fast: its node is down

    const summary = await otel.summary();
    const node = JSON.stringify({
      'db.system.name': 'memcached',
      'server.address': '127.0.0.1',
      'server.port': Number(dead.split(':')[1]),
    });
    expect(summary['memcas.nodes.down']).toEqual({ [node]: 1 });
    expect(Object.values(summary['memcas.node.state_changes']!)).toEqual([1]);
    expect(summary['memcas.update.outcomes']).toEqual({
      '{"memcas.update.outcome":"created"}': 1,
      '{"memcas.update.outcome":"updated"}': 2,
      '{"memcas.update.outcome":"error"}': 1,
    });
    // Histograms start with the SDK: the one update after it, and the failed one.
    expect(Object.values(summary['memcas.update.attempts']!).reduce((a, b) => a + b)).toBe(2);
  });

  it('a client given a meterProvider never looks at the global one', async () => {
    const own = new InMemoryOtel();
    providers.push(own);
    const c = client({ meterProvider: own.meterProvider });
    const global = sdk();
    global.registerGlobally();
    await c.update<number>('own-provider', () => 1);
    expect((await own.points('memcas.update.outcomes')).map((p) => p.value)).toEqual([1]);
    expect(await global.points('memcas.update.outcomes')).toEqual([]);
  });
});
