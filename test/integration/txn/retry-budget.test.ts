import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  isCasConflictError,
  none,
  RetryBudgetExhaustedError,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const clients: Client[] = [];
const open = (options: ClientOptions): Client => {
  const c = createClient({
    servers: [cluster.nodes[0]!.address],
    combineUpdates: false,
    retry: { policy: none(), maxAttempts: 1000 },
    ...options,
  });
  clients.push(c);
  return c;
};

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** `n` concurrent increments of one key whose fn waits a little: a conflict storm. */
async function storm(client: Client, key: string, n: number) {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, () =>
      client.update<number>(key, async (cur) => {
        await delay(1);
        return (cur ?? 0) + 1;
      }),
    ),
  );
  const written = settled.filter((s) => s.status === 'fulfilled');
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  const retries = written.reduce((sum, s) => sum + (s.value.attempts - 1), 0);
  return { written: written.length, failed, retries };
}

describe('retryBudget: a client-wide cap on retries', () => {
  it('without it, every caller in a storm retries until it wins (the control)', async () => {
    const client = open({});
    const { written, failed } = await storm(client, 'storm:off', 20);
    expect(failed).toEqual([]);
    expect(written).toBe(20);
    expect(await client.get('storm:off')).toBe(20);
  });

  it('when spent, a call that would retry fails fast with the typed error; nothing is lost or doubled', async () => {
    const clock = new ManualClock(); // stands still: the window does not slide during the storm
    // ratio 0 and 1 per second over 5 s: 5 retries in all, whatever the traffic.
    const client = open({ clock, retryBudget: { ratio: 0, minPerSecond: 1, windowMs: 5_000 } });
    const { written, failed, retries } = await storm(client, 'storm:on', 20);
    expect(failed.length).toBeGreaterThan(0);
    for (const err of failed) {
      expect(err).toBeInstanceOf(RetryBudgetExhaustedError);
      const e = err as RetryBudgetExhaustedError;
      expect(e.code).toBe('RETRY_BUDGET_EXHAUSTED');
      expect(e.key).toBe('storm:on');
      expect(isCasConflictError(e.cause)).toBe(true);
    }
    expect(retries).toBeLessThanOrEqual(5);
    expect(written + failed.length).toBe(20);
    // Every successful update is in the counter exactly once; no failed one is.
    expect(await client.get('storm:on')).toBe(written);
  });

  it('refills: once the spent retries leave the window, calls retry again', async () => {
    const clock = new ManualClock();
    const client = open({ clock, retryBudget: { ratio: 0, minPerSecond: 1, windowMs: 5_000 } });
    const first = await storm(client, 'storm:refill', 20);
    expect(first.failed.length).toBeGreaterThan(0);
    // Spent: the next conflict fails at once.
    const spent = await storm(client, 'storm:refill', 5);
    expect(spent.retries).toBe(0);
    await clock.advance(5_000);
    const after = await storm(client, 'storm:refill', 20);
    expect(after.retries).toBeGreaterThan(0);
    expect(after.retries).toBeLessThanOrEqual(5);
    expect(await client.get('storm:refill')).toBe(first.written + spent.written + after.written);
  });

  it('reports the calls it stopped as update outcome "throttled"', async () => {
    const otel = new InMemoryOtel();
    try {
      const client = open({
        clock: new ManualClock(),
        meterProvider: otel.meterProvider,
        retryBudget: { ratio: 0, minPerSecond: 1, windowMs: 5_000 },
      });
      const { failed } = await storm(client, 'storm:telemetry', 20);
      const throttled = (await otel.points('memcas.update.outcomes')).filter(
        (p) => p.attributes['memcas.update.outcome'] === 'throttled',
      );
      expect(throttled.map((p) => p.value)).toEqual([failed.length]);
    } finally {
      await otel.shutdown();
    }
  });

  it('is refused when malformed, at construction', () => {
    expect(() => open({ retryBudget: { ratio: -1 } })).toThrow(/retryBudget.ratio/);
  });
});
