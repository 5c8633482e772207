import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  CodecError,
  constant,
  createClient,
  InvalidArgumentError,
  LEASE_ENVELOPE_FLAGS,
  MemoryStore,
  METRIC_COMPUTE_DURATION,
  METRIC_COMPUTE_LEASES,
  METRIC_COMPUTE_OUTCOMES,
  rawCodec,
  RetryBudgetExhaustedError,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';

const opened: Client[] = [];
let store = new MemoryStore();
function open(options: ClientOptions = {}): Client {
  const c = createClient({ memory: store, ...options });
  opened.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  store = new MemoryStore();
});

/** Starts a holder whose compute waits for `release()`; resolves once its compute runs. */
async function holdLease(
  client: Client,
  key: string,
): Promise<{ release: () => void; done: Promise<unknown> }> {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = client.getOrCompute(key, async () => {
    started();
    await new Promise<void>((resolve) => (release = resolve));
    return 'held';
  });
  await running;
  return { release, done };
}

describe('getOrCompute() arguments', () => {
  it('refuses unknown option names, naming the nearest', async () => {
    await expect(open().getOrCompute('k', () => 1, { leaseMS: 5 } as never)).rejects.toThrow(
      /unknown option "leaseMS"; did you mean "leaseMs"/,
    );
  });

  it.each([
    [{ leaseMs: 0 }, /leaseMs/],
    [{ leaseMs: 1.5 }, /leaseMs/],
    [{ waitMs: -1 }, /waitMs/],
    [{ staleSeconds: 0.5 }, /staleSeconds/],
    [{ onWaitTimeout: 'retry' }, /onWaitTimeout/],
    [{ policy: {} }, /policy/],
    [{ ttlSeconds: -1 }, /ttlSeconds/],
    [{ ttlSeconds: 10, staleSeconds: 10 }, /staleSeconds \(10\) must be less than ttlSeconds/],
  ])('refuses %o before any I/O', async (options, message) => {
    let computes = 0;
    await expect(open().getOrCompute('k', () => ++computes, options as never)).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(open().getOrCompute('k', () => ++computes, options as never)).rejects.toThrow(
      message,
    );
    expect(computes).toBe(0);
  });

  it('refuses a compute that is not a function', async () => {
    await expect(open().getOrCompute('k', 'value' as never)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('getOrCompute() in one client', () => {
  it('a caller whose signal aborts leaves; the others still get the shared value', async () => {
    const client = open();
    let release!: () => void;
    let seen: AbortSignal | undefined;
    const compute = async (ctx: { signal: AbortSignal }): Promise<string> => {
      seen = ctx.signal;
      await new Promise<void>((resolve) => (release = resolve));
      return 'v';
    };
    const leaving = new AbortController();
    const a = client.getOrCompute('k', compute, { signal: leaving.signal });
    const b = client.getOrCompute('k', compute);
    await sleep(10);
    leaving.abort(new Error('caller gone'));
    await expect(a).rejects.toThrow('caller gone');
    expect(seen?.aborted).toBe(false);
    release();
    expect(await b).toMatchObject({ outcome: 'computed', value: 'v', shared: true });
  });

  it("the compute's signal aborts once every caller has left", async () => {
    // Its compute never settles: close() gives up on it at once.
    const client = open({ drainTimeoutMs: 10 });
    let seen: AbortSignal | undefined;
    const one = new AbortController();
    const p = client.getOrCompute(
      'k',
      (ctx) => {
        seen = ctx.signal;
        return new Promise<string>(() => {});
      },
      { signal: one.signal },
    );
    await sleep(10);
    one.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    expect(seen?.aborted).toBe(true);
  });

  it('a wait the retry budget refuses fails fast with RetryBudgetExhaustedError', async () => {
    const holder = await holdLease(open(), 'k');
    const waiter = open({ retryBudget: { ratio: 0, minPerSecond: 0, windowMs: 1000 } });
    await expect(waiter.getOrCompute('k', () => 'mine')).rejects.toBeInstanceOf(
      RetryBudgetExhaustedError,
    );
    holder.release();
    await holder.done;
  });

  it('waits with the given policy until the holder writes', async () => {
    const holder = await holdLease(open(), 'k');
    const waiter = open();
    const p = waiter.getOrCompute('k', () => 'mine', { policy: constant({ delayMs: 5 }) });
    await sleep(50);
    holder.release();
    const r = await p;
    expect(r).toMatchObject({ outcome: 'hit', value: 'held' });
    expect(r.waitedMs).toBeGreaterThan(0);
  });

  it('closing the client stops a wait with ClientClosedError', async () => {
    const holder = await holdLease(open(), 'k');
    const waiter = createClient({ memory: store });
    const p = waiter.getOrCompute('k', () => 'mine', { waitMs: 60_000 });
    await sleep(20);
    await waiter.close();
    await expect(p).rejects.toBeInstanceOf(ClientClosedError);
    holder.release();
    await holder.done;
  });

  it('a value written by set() is a hit; the envelope is not for plain get()', async () => {
    const client = open();
    await client.set('plain', { n: 1 });
    expect(await client.getOrCompute('plain', () => ({ n: 2 }))).toMatchObject({
      outcome: 'hit',
      value: { n: 1 },
    });
    await client.getOrCompute('computed', () => ({ n: 3 }));
    expect((await store.get('computed'))?.flags).toBe(LEASE_ENVELOPE_FLAGS);
    await expect(client.get('computed')).rejects.toBeInstanceOf(CodecError);
  });

  it('refuses to store an empty value with flags 0 (memcached marks a key being computed so)', async () => {
    const client = open();
    const codec = rawCodec({ flags: 0 });
    await expect(client.getOrCompute('k', () => Buffer.alloc(0), { codec })).rejects.toBeInstanceOf(
      CodecError,
    );
    // The lease was given up: the next call computes at once.
    expect(
      await client.getOrCompute('k', () => Buffer.from('x'), {
        codec,
        waitMs: 0,
        onWaitTimeout: 'fail',
      }),
    ).toMatchObject({ outcome: 'computed', stored: true });
  });

  it('records outcomes, lease events and compute durations, with no key in the attributes', async () => {
    const otel = new InMemoryOtel();
    const client = open({ meterProvider: otel.meterProvider });
    await client.getOrCompute('secret-key', () => 1);
    await client.getOrCompute('secret-key', () => 2);
    await client.invalidate('secret-key');
    await client.getOrCompute('secret-key', () => 3, { staleSeconds: 10 });
    const outcomes = await otel.points(METRIC_COMPUTE_OUTCOMES);
    const byOutcome = Object.fromEntries(
      outcomes.map((p) => [p.attributes['memcas.compute.outcome'], p.value]),
    );
    expect(byOutcome).toEqual({ computed: 2, hit: 1 });
    const leases = await otel.points(METRIC_COMPUTE_LEASES);
    expect(
      Object.fromEntries(leases.map((p) => [p.attributes['memcas.lease.event'], p.value])),
    ).toEqual({ won: 2 });
    expect((await otel.points(METRIC_COMPUTE_DURATION)).length).toBe(1);
    const all = JSON.stringify([outcomes, leases]);
    expect(all).not.toContain('secret-key');
  });
});
