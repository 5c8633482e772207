import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, VERSION, type Client } from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const SECRET_KEY = 'secret-user-4711';
let otel: InMemoryOtel;
let client: Client;
let other: Client;

beforeEach(async () => {
  otel = new InMemoryOtel();
  const servers = [cluster.nodes[0]!.address];
  client = createClient({
    servers,
    meterProvider: otel.meterProvider,
    tracerProvider: otel.tracerProvider,
    traceOperations: true,
  });
  other = createClient({ servers });
  await other.flush();
});
afterEach(async () => {
  await client.close();
  await other.close();
  await otel.shutdown();
});

async function oneConflict(): Promise<void> {
  await other.set(SECRET_KEY, 1);
  // First update: a second writer slips in between the read and the cas.
  await client.update<number>(SECRET_KEY, async (n, ctx) => {
    if (ctx.attempt === 1) await other.set(SECRET_KEY, 100);
    return n! + 1;
  });
  // Second update: no contention.
  await client.update<number>(SECRET_KEY, (n) => n! + 1);
}

describe('telemetry on real memcached', () => {
  it('two writers, one conflict: exact conflicts, attempts, outcomes and operation durations', async () => {
    await oneConflict();
    const node = cluster.nodes[0]!;
    const nodeAttrs = {
      'db.system.name': 'memcached',
      'server.address': node.host,
      'server.port': node.port,
    };

    const conflicts = await otel.points('memcas.cas.conflicts');
    expect(conflicts).toEqual([
      { ...conflicts[0], attributes: { ...nodeAttrs, 'db.operation.name': 'cas' }, value: 1 },
    ]);

    const attempts = await otel.points('memcas.update.attempts');
    expect(attempts).toHaveLength(1);
    const hist = attempts[0]!.value as {
      count: number;
      sum: number;
      buckets: { boundaries: number[]; counts: number[] };
    };
    expect(hist.count).toBe(2);
    expect(hist.sum).toBe(3);
    expect(hist.buckets.boundaries.slice(0, 2)).toEqual([1, 2]);
    expect(hist.buckets.counts.slice(0, 2)).toEqual([1, 1]); // one update took 1 attempt, one took 2
    expect(attempts[0]!.attributes).toEqual({ 'memcas.update.outcome': 'updated' });

    const outcomes = await otel.points('memcas.update.outcomes');
    expect(outcomes.map((p) => [p.attributes['memcas.update.outcome'], p.value])).toEqual([
      ['updated', 2],
    ]);

    const durations = await otel.points('db.client.operation.duration');
    const byOp = Object.fromEntries(
      durations.map((p) => [
        p.attributes['db.operation.name'],
        (p.value as { count: number }).count,
      ]),
    );
    expect(byOp).toEqual({ get: 3, cas: 3 }); // 3 reads, 3 cas writes (one lost the race)
    for (const p of durations) {
      expect(p.attributes).toMatchObject(nodeAttrs);
      expect(p.attributes).not.toHaveProperty('error.type');
      expect((p.value as { buckets: { boundaries: number[] } }).buckets.boundaries).toEqual([
        0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
      ]);
    }

    const backoff = await otel.points('memcas.backoff.delay');
    expect((backoff[0]!.value as { count: number }).count).toBe(1);
    const batches = await otel.points('memcas.update.batch_size');
    expect(batches[0]!.value as { count: number; sum: number }).toMatchObject({ count: 2, sum: 2 });

    const rm = await otel.metrics();
    const scope = rm.scopeMetrics.find((s) => s.scope.name === 'memcas');
    expect(scope?.scope.version).toBe(VERSION);
    const units = Object.fromEntries(
      scope!.metrics.map((m) => [m.descriptor.name, m.descriptor.unit]),
    );
    expect(units).toMatchObject({
      'db.client.operation.duration': 's',
      'memcas.update.duration': 's',
      'memcas.backoff.delay': 's',
      'memcas.cas.conflicts': '{conflict}',
      'memcas.update.attempts': '{attempt}',
    });
  });

  it('measureOperations: false records no operation durations and keeps everything else', async () => {
    const quiet = createClient({
      servers: [cluster.nodes[0]!.address],
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
      traceOperations: true,
      measureOperations: false,
    });
    try {
      await other.set(SECRET_KEY, 1);
      await quiet.update<number>(SECRET_KEY, async (n, ctx) => {
        if (ctx.attempt === 1) await other.set(SECRET_KEY, 100);
        return n! + 1;
      });
      expect(await otel.points('db.client.operation.duration')).toEqual([]);
      expect((await otel.points('memcas.cas.conflicts')).map((p) => p.value)).toEqual([1]);
      const attempts = await otel.points('memcas.update.attempts');
      expect(attempts.map((p) => (p.value as { sum: number }).sum)).toEqual([2]);
      // Operation spans are a separate switch.
      const ops = otel.spans().filter((s) => s.name.endsWith(' memcached'));
      expect(ops.map((s) => s.name)).toEqual([
        'get memcached',
        'cas memcached',
        'get memcached',
        'cas memcached',
      ]);
    } finally {
      await quiet.close();
    }
  });

  it('one span per update with attempts, outcome and a conflict event; CLIENT spans per operation', async () => {
    await oneConflict();
    const spans = otel.spans();
    const updates = spans.filter((s) => s.name === 'memcas update');
    expect(updates.map((s) => s.attributes['memcas.update.attempts'])).toEqual([2, 1]);
    expect(updates.map((s) => s.attributes['memcas.update.outcome'])).toEqual([
      'updated',
      'updated',
    ]);
    const events = updates[0]!.events;
    expect(events).toHaveLength(1);
    expect(events[0]!.name).toBe('memcas.cas_conflict');
    expect(events[0]!.attributes).toMatchObject({
      'memcas.attempt': 1,
      'memcas.conflict.kind': 'cas',
    });
    const ops = spans.filter((s) => s.name.endsWith(' memcached'));
    expect(ops.map((s) => s.name).sort()).toEqual([
      'cas memcached',
      'cas memcached',
      'cas memcached',
      'get memcached',
      'get memcached',
      'get memcached',
    ]);
    expect(ops.every((s) => s.kind === 2 /* CLIENT */)).toBe(true);
  });

  it('a failed update records error.type and sets the span status, without the message', async () => {
    await expect(client.update(SECRET_KEY, () => ({ bad: 1n }))).rejects.toThrow();
    const span = otel.spans().find((s) => s.name === 'memcas update')!;
    expect(span.status.code).toBe(2); // ERROR
    expect(span.attributes['error.type']).toBe('CodecError');
    expect(span.status.message).toBe('CodecError (CODEC_ERROR)');
    const outcomes = await otel.points('memcas.update.outcomes');
    expect(outcomes.map((p) => p.attributes['memcas.update.outcome'])).toEqual(['error']);
  });

  it('no key appears in any exported metric attribute, span name, attribute, event or status', async () => {
    await oneConflict();
    await client.update(SECRET_KEY, () => ({ bad: 1n })).catch(() => undefined);
    await client.get(`${SECRET_KEY}-missing`);
    await client.getMany([SECRET_KEY, `${SECRET_KEY}-2`]);
    const metrics = (await otel.metrics()).scopeMetrics.flatMap((s) => s.metrics);
    // The newer instruments are in what is checked.
    expect(metrics.map((m) => m.descriptor.name)).toContain(
      'db.client.connection.pending_requests',
    );
    const exported = JSON.stringify({
      metrics: metrics.map((m) => [m.descriptor.name, m.dataPoints.map((p) => p.attributes)]),
      spans: otel.spans().map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
      })),
    });
    expect(exported.length).toBeGreaterThan(1000);
    expect(exported).toContain('"db.operation.name":"BATCH get"');
    expect(exported).toContain('"db.operation.batch.size":2');
    expect(exported).not.toContain('secret');
    expect(exported).not.toContain('4711');
  });
});

describe('node health telemetry', () => {
  it('counts state changes and the nodes currently down', async () => {
    const node = cluster.nodes[0]!;
    const watched = createClient({
      servers: [node.address],
      meterProvider: otel.meterProvider,
      failureThreshold: 1,
      retryAfterMs: 50,
    });
    try {
      await node.kill();
      await watched.get('k').catch(() => undefined);
      expect((await otel.points('memcas.nodes.down')).map((p) => p.value)).toEqual([1]);
      await node.restart();
      await vi.waitFor(
        async () =>
          expect((await otel.points('memcas.nodes.down')).map((p) => p.value)).toEqual([0]),
        {
          timeout: 3000,
        },
      );
      const changes = await otel.points('memcas.node.state_changes');
      expect(changes.map((p) => [p.attributes['memcas.node.state'], p.value]).sort()).toEqual([
        ['down', 1],
        ['up', 1],
      ]);
      const failed = (await otel.points('db.client.operation.duration')).filter(
        (p) => p.attributes['error.type'],
      );
      expect(failed.map((p) => p.attributes['error.type'])).toEqual(['ConnectionError']);
    } finally {
      await watched.close();
    }
  });
});

describe('connection telemetry', () => {
  it('db.client.connection.pending_requests reports the backlog of a paused node, summed over clients', async () => {
    const node = cluster.nodes[0]!;
    const pool = {
      'db.client.connection.pool.name': node.address,
      'db.system.name': 'memcached',
      'server.address': node.host,
      'server.port': node.port,
    };
    // Long timeouts: the requests must wait out the pause, however slow the machine is.
    const first = createClient({
      servers: [node.address],
      meterProvider: otel.meterProvider,
      timeoutMs: 30_000,
    });
    const second = createClient({
      servers: [node.address],
      meterProvider: otel.meterProvider,
      timeoutMs: 30_000,
    });
    const pending = async (): Promise<unknown[]> =>
      (await otel.points('db.client.connection.pending_requests')).map((p) => [
        p.attributes,
        p.value,
      ]);
    try {
      await Promise.all([first.ping(), second.ping()]);
      expect(await pending()).toEqual([[pool, 0]]);
      await node.pause();
      const stuck = [
        ...Array.from({ length: 5 }, (_, i) => first.get(`${SECRET_KEY}-${i}`)),
        second.set(SECRET_KEY, 1),
        second.getMany([`${SECRET_KEY}-a`, `${SECRET_KEY}-b`]), // 2 quiet gets and their no-op
      ].map((p) => p.catch((e: unknown) => e));
      expect(await pending()).toEqual([[pool, 5 + 1 + 3]]);
      node.resume();
      const settled = await Promise.all(stuck);
      expect(settled.filter((r) => r instanceof Error)).toEqual([]);
      expect(await pending()).toEqual([[pool, 0]]);
    } finally {
      node.resume();
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('a closed client no longer reports its nodes', async () => {
    const c = createClient({
      servers: [cluster.nodes[0]!.address],
      meterProvider: otel.meterProvider,
    });
    await c.ping();
    await client.close();
    await c.close();
    const points = await otel.points('db.client.connection.pending_requests');
    expect(points.map((p) => p.value)).toEqual([]);
  });

  it('the embedded store has no connection to report', async () => {
    const embedded = createClient({ meterProvider: otel.meterProvider });
    await embedded.set('k', 1);
    try {
      await client.close();
      expect(await otel.points('db.client.connection.pending_requests')).toEqual([]);
    } finally {
      await embedded.close();
    }
  });
});

describe('several clients on one MeterProvider', () => {
  it('add their counts up instead of overwriting each other', async () => {
    const servers = [cluster.nodes[0]!.address];
    const clients = [1, 2, 3].map(() =>
      createClient({ servers, meterProvider: otel.meterProvider }),
    );
    try {
      await Promise.all(clients.map((c, i) => c.update<number>(`shared-${i}`, () => i)));
      await clients[0]!.update<number>('shared-0', (n) => n! + 1);
      const outcomes = await otel.points('memcas.update.outcomes');
      expect(
        Object.fromEntries(outcomes.map((p) => [p.attributes['memcas.update.outcome'], p.value])),
      ).toEqual({
        created: 3,
        updated: 1,
      });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
