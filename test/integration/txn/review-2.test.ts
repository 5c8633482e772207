import { afterEach, describe, expect, it } from 'vitest';
import { abort, createClient, type Client, type Protocol } from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const opened: Client[] = [];
const providers: InMemoryOtel[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function open(protocol: Protocol, otel?: InMemoryOtel): Client {
  const c = createClient({
    servers: [cluster.nodes[0]!.address],
    protocol,
    ...(otel && {
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
      traceOperations: true,
    }),
  });
  opened.push(c);
  return c;
}

describe.each(['meta', 'binary', 'text'] as const)('review 2 over %s', (protocol) => {
  it('a getMany span carries its batch size on meta and binary, none on text', async () => {
    const otel = new InMemoryOtel();
    providers.push(otel);
    const c = open(protocol, otel);
    await c.getMany([`${protocol}-a`, `${protocol}-b`, `${protocol}-c`]);
    const spans = otel.spans().map((s) => [s.name, s.attributes['db.operation.batch.size']]);
    expect(spans).toEqual(
      protocol === 'text' ? [['get memcached', undefined]] : [['BATCH get memcached', 3]],
    );
  });

  it('contended combined updates with aborts, throws and signals lose nothing, and close drains', async () => {
    const c = open(protocol);
    const rival = open(protocol);
    const key = `${protocol}-counter`;
    await c.set(key, 0);
    const ops: Array<Promise<unknown>> = [];
    let expected = 0;
    for (let i = 0; i < 200; i++) {
      const kind = i % 7;
      if (kind === 3) {
        ops.push(c.update<number>(key, () => abort('no')));
      } else if (kind === 5) {
        ops.push(
          c
            .update<number>(key, () => {
              throw new Error('mine');
            })
            .catch((e: Error) => e.message),
        );
      } else if (kind === 6) {
        const ctl = new AbortController();
        ctl.abort(new Error('before'));
        ops.push(c.update<number>(key, (n) => n! + 1000, { signal: ctl.signal }).catch(() => 0));
      } else {
        expected++;
        ops.push(
          c.update<number>(
            key,
            async (n) => {
              await new Promise((r) => setImmediate(r));
              return n! + 1;
            },
            { deadlineMs: 20_000, maxAttempts: 1000 },
          ),
        );
      }
      if (i % 50 === 0) ops.push(rival.update<number>(key, (n) => n! + 1_000_000));
    }
    const closing = c.close();
    await Promise.all(ops.map((p) => p.catch(() => undefined)));
    await closing;
    const outcomes = await Promise.allSettled(ops);
    const landed = outcomes.filter(
      (o) =>
        o.status === 'fulfilled' &&
        typeof o.value === 'object' &&
        (o.value as { outcome: string }).outcome === 'updated',
    ).length;
    const value = (await rival.get<number>(key))!;
    expect(value % 1_000_000).toBe(landed - 4); // rival's 4 updates are counted in millions
    expect(landed).toBeLessThanOrEqual(expected + 4);
  });
});
