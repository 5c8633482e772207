import { afterEach, describe, expect, it } from 'vitest';
import { constant, createClient, LockTimeoutError, MemoryStore } from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';

const providers: InMemoryOtel[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

describe('lock telemetry', () => {
  it('counts acquisitions by outcome, their waits, contention and lost extensions, with no key anywhere', async () => {
    const otel = new InMemoryOtel();
    providers.push(otel);
    const store = new MemoryStore();
    const a = createClient({ memory: store, meterProvider: otel.meterProvider });
    const b = createClient({ memory: store, meterProvider: otel.meterProvider });
    const lock = await a.lock('secret-key');
    await expect(
      b.lock('secret-key', { waitMs: 30, policy: constant({ delayMs: 10 }) }),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    // Taken over behind the holder's back: its next extension is lost.
    await b.delete('memcas-lock:secret-key');
    const other = await b.lock('secret-key', { waitMs: 0 });
    expect(await lock.extend()).toBe(false);
    await other.release();

    const summary = await otel.summary();
    expect(summary['memcas.lock.acquisitions']).toEqual({
      '{"memcas.lock.outcome":"acquired"}': 2,
      '{"memcas.lock.outcome":"timeout"}': 1,
    });
    expect(summary['memcas.lock.wait.duration']).toEqual({ '{}': 3 });
    expect(summary['memcas.lock.contention']?.['{}']).toBeGreaterThanOrEqual(3);
    expect(summary['memcas.lock.extensions_lost']).toEqual({ '{}': 1 });
    expect(JSON.stringify(summary)).not.toContain('secret-key');
    await Promise.all([a.close(), b.close()]);
  });
});
