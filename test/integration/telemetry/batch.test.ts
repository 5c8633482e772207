import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(2);
let otel: InMemoryOtel;
let client: Client;

beforeEach(() => {
  otel = new InMemoryOtel();
  client = createClient({
    servers: cluster.nodes.map((n) => n.address),
    meterProvider: otel.meterProvider,
    tracerProvider: otel.tracerProvider,
    traceOperations: true,
  });
});
afterEach(async () => {
  await client.close();
  await otel.shutdown();
});

const keys = Array.from({ length: 32 }, (_, i) => `batch-key-${i}`);

describe('getMany under the database batch conventions', () => {
  it('is one BATCH get per node, its span sized with db.operation.batch.size', async () => {
    await client.set(keys[0]!, 'hit');
    await client.getMany(keys);
    const batches = otel.spans().filter((s) => s.name === 'BATCH get memcached');
    // One pipelined batch per node; together they carry every key once.
    expect(batches).toHaveLength(2);
    expect(new Set(batches.map((s) => s.attributes['server.port']))).toEqual(
      new Set(cluster.nodes.map((n) => n.port)),
    );
    expect(batches.map((s) => s.attributes['db.operation.batch.size'] as number)).toSatisfy(
      (sizes: number[]) => sizes.every((n) => n >= 2) && sizes.reduce((a, b) => a + b) === 32,
    );
    for (const s of batches) {
      expect(s.kind).toBe(2); // CLIENT
      expect(s.attributes).toMatchObject({
        'db.system.name': 'memcached',
        'db.operation.name': 'BATCH get',
        'server.address': '127.0.0.1',
      });
    }
  });

  it('records each batch once in db.client.operation.duration, without the size (cardinality)', async () => {
    await client.getMany(keys);
    const points = (await otel.points('db.client.operation.duration')).filter(
      (p) => p.attributes['db.operation.name'] === 'BATCH get',
    );
    expect(points.map((p) => (p.value as { count: number }).count)).toEqual([1, 1]);
    for (const p of points) expect(p.attributes).not.toHaveProperty('db.operation.batch.size');
  });

  it('a getMany of one key is a plain get, not a batch of one', async () => {
    await client.getMany(['only-key']);
    const [span, ...rest] = otel.spans();
    expect(rest).toEqual([]);
    expect(span!.name).toBe('get memcached');
    expect(span!.attributes['db.operation.name']).toBe('get');
    expect(span!.attributes).not.toHaveProperty('db.operation.batch.size');
    const names = (await otel.points('db.client.operation.duration')).map(
      (p) => p.attributes['db.operation.name'],
    );
    expect(names).toEqual(['get']);
  });

  it('on the text protocol a getMany is one multi-key gets per node: a get, not a batch', async () => {
    const text = createClient({
      servers: cluster.nodes.map((n) => n.address),
      protocol: 'text',
      tracerProvider: otel.tracerProvider,
      traceOperations: true,
    });
    try {
      await text.getMany(keys);
    } finally {
      await text.close();
    }
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['get memcached', 'get memcached']);
    for (const s of spans) expect(s.attributes).not.toHaveProperty('db.operation.batch.size');
  });

  it('a batch on a failing node records error.type on the batch', async () => {
    const down = createClient({
      servers: [cluster.nodes[0]!.address],
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
      traceOperations: true,
      timeoutMs: 100,
    });
    try {
      await down.ping(); // connected: the batch is sent, then goes unanswered
      await cluster.nodes[0]!.pause();
      const entries = await down.getMany(['a', 'b']);
      expect(entries.map((e) => e.status)).toEqual(['error', 'error']);
    } finally {
      await cluster.nodes[0]!.resume();
      await down.close();
    }
    const failed = (await otel.points('db.client.operation.duration')).filter(
      (p) => p.attributes['error.type'] !== undefined,
    );
    expect(failed.map((p) => p.attributes)).toEqual([
      expect.objectContaining({ 'db.operation.name': 'BATCH get', 'error.type': 'TimeoutError' }),
    ]);
    const span = otel.spans().find((s) => s.name === 'BATCH get memcached')!;
    expect(span.status.code).toBe(2); // ERROR
    expect(span.attributes['db.operation.batch.size']).toBe(2);
  });
});
