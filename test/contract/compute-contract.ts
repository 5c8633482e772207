import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ComputeResult } from '../../src/index.js';
import { useContractClients, type ClientFactory, type ContractLimits } from './contract-clients.js';

/** A promise with its resolve and reject at hand. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls until `check` holds (a compute has started, etc.), failing after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

/** `getOrCompute()` and `invalidate()` semantics, run against one backend (embedded store and real memcached). */
export function describeComputeContract(
  name: string,
  factory: () => ClientFactory,
  _limits: ContractLimits = {},
): void {
  describe(`getOrCompute() contract: ${name}`, () => {
    const clients = useContractClients(factory);

    it('a miss computes and writes the value; the next call is a hit without computing', async () => {
      let computes = 0;
      const compute = (): { n: number } => ({ n: ++computes });
      const first = await clients.client.getOrCompute('k', compute, { ttlSeconds: 60 });
      expect(first).toMatchObject({
        outcome: 'computed',
        value: { n: 1 },
        reason: 'miss',
        stored: true,
      });
      const second = await clients.other.getOrCompute('k', compute, { ttlSeconds: 60 });
      expect(second).toEqual({ outcome: 'hit', value: { n: 1 }, waitedMs: 0, shared: false });
      expect(computes).toBe(1);
    });

    it('concurrent calls in one client share one compute and all get its value', async () => {
      let computes = 0;
      const gate = deferred<void>();
      const calls = Array.from({ length: 50 }, () =>
        clients.client.getOrCompute('k', async () => {
          computes++;
          await gate.promise;
          return 'v';
        }),
      );
      await until(() => computes > 0);
      gate.resolve();
      const results = await Promise.all(calls);
      expect(computes).toBe(1);
      expect(results.every((r) => r.value === 'v' && r.outcome === 'computed')).toBe(true);
      expect(results.filter((r) => r.shared)).toHaveLength(49);
    });

    it('two clients on a cold key: one computes under the lease, the other waits for its value', async () => {
      let computes = 0;
      const gate = deferred<void>();
      const compute = async (): Promise<string> => {
        computes++;
        await gate.promise;
        return 'from-the-holder';
      };
      const holder = clients.client.getOrCompute('k', compute, { ttlSeconds: 60 });
      await until(() => computes === 1);
      const waiter = clients.other.getOrCompute('k', compute, { ttlSeconds: 60, waitMs: 10_000 });
      await sleep(100);
      gate.resolve();
      expect(await holder).toMatchObject({ outcome: 'computed', stored: true });
      const waited = await waiter;
      expect(waited).toMatchObject({ outcome: 'hit', value: 'from-the-holder' });
      expect(waited.waitedMs).toBeGreaterThan(0);
      expect(computes).toBe(1);
    });

    it('a compute that throws rejects every sharing caller and frees the lease at once', async () => {
      const boom = new RangeError('database down');
      const failing = [1, 2, 3].map(() =>
        clients.client.getOrCompute(
          'k',
          async () => {
            await sleep(20);
            throw boom;
          },
          { leaseMs: 60_000 },
        ),
      );
      for (const f of failing) await expect(f).rejects.toBe(boom);
      // The lease (60 s) was given up: another client computes now, without waiting.
      const next = await clients.other.getOrCompute('k', () => 'recovered', {
        leaseMs: 60_000,
        waitMs: 0,
        onWaitTimeout: 'fail',
      });
      expect(next).toMatchObject({
        outcome: 'computed',
        value: 'recovered',
        stored: true,
        waitedMs: 0,
      });
    });

    it('after invalidate, callers with staleSeconds get the old value at once while one recomputes, then the new one', async () => {
      await clients.client.getOrCompute('k', () => 'v1', { ttlSeconds: 60 });
      expect(await clients.client.invalidate('k')).toBe('invalidated');
      const gate = deferred<void>();
      let recomputes = 0;
      const options = { ttlSeconds: 60, staleSeconds: 30 };
      const recompute = clients.client.getOrCompute(
        'k',
        async (ctx) => {
          recomputes++;
          expect(ctx).toMatchObject({ reason: 'invalidated', previous: 'v1' });
          await gate.promise;
          return 'v2';
        },
        options,
      );
      await until(() => recomputes === 1);
      const during = await Promise.all(
        Array.from({ length: 5 }, () => clients.other.getOrCompute('k', () => 'not-me', options)),
      );
      for (const r of during) {
        expect(r).toMatchObject({
          outcome: 'stale',
          value: 'v1',
          reason: 'invalidated',
          waitedMs: 0,
        });
      }
      gate.resolve();
      expect(await recompute).toMatchObject({
        outcome: 'computed',
        value: 'v2',
        reason: 'invalidated',
        stored: true,
      });
      expect(await clients.other.getOrCompute('k', () => 'not-me', options)).toMatchObject({
        outcome: 'hit',
        value: 'v2',
      });
      expect(recomputes).toBe(1);
    });

    it('after invalidate, callers without staleSeconds wait for the new value instead', async () => {
      await clients.client.getOrCompute('k', () => 'v1', { ttlSeconds: 60 });
      await clients.client.invalidate('k');
      const gate = deferred<void>();
      let started = false;
      const recompute = clients.client.getOrCompute('k', async () => {
        started = true;
        await gate.promise;
        return 'v2';
      });
      await until(() => started);
      const waiter = clients.other.getOrCompute('k', () => 'not-me', { waitMs: 10_000 });
      await sleep(50);
      gate.resolve();
      await recompute;
      const r = await waiter;
      expect(r).toMatchObject({ outcome: 'hit', value: 'v2' });
      expect(r.waitedMs).toBeGreaterThan(0);
    });

    it('a slow recompute does not overwrite a value written after its lease was taken', async () => {
      const gate = deferred<void>();
      let started = false;
      const slow = clients.client.getOrCompute('k', async () => {
        started = true;
        await gate.promise;
        return 'stale-computation';
      });
      await until(() => started);
      await clients.other.set('k', 'newer');
      gate.resolve();
      const r = await slow;
      expect(r).toMatchObject({ outcome: 'computed', value: 'stale-computation', stored: false });
      expect(await clients.other.get('k')).toBe('newer');
      expect(await clients.other.getOrCompute('k', () => 'not-me')).toMatchObject({
        outcome: 'hit',
        value: 'newer',
      });
    });

    it('an invalidate during a recompute keeps the recompute from writing its outdated value', async () => {
      await clients.client.getOrCompute('k', () => 'v1');
      await clients.client.invalidate('k');
      const gate = deferred<void>();
      let started = false;
      const slow = clients.client.getOrCompute('k', async () => {
        started = true;
        await gate.promise;
        return 'v2-from-old-data';
      });
      await until(() => started);
      await clients.other.invalidate('k');
      gate.resolve();
      expect(await slow).toMatchObject({ outcome: 'computed', stored: false });
      // The next caller recomputes from fresh data.
      expect(await clients.other.getOrCompute('k', () => 'v3')).toMatchObject({
        outcome: 'computed',
        value: 'v3',
        stored: true,
      });
    });

    it('a holder that never finishes frees the lease after leaseMs: another caller computes', async () => {
      const stuck = clients.open({ drainTimeoutMs: 10 });
      let started = false;
      void stuck
        .getOrCompute(
          'k',
          () => {
            started = true;
            return new Promise<string>(() => {});
          },
          { leaseMs: 500 },
        )
        .catch(() => {});
      await until(() => started);
      const r = await clients.other.getOrCompute('k', () => 'taken-over', {
        leaseMs: 500,
        waitMs: 10_000,
      });
      expect(r).toMatchObject({
        outcome: 'computed',
        value: 'taken-over',
        reason: 'miss',
        stored: true,
      });
      expect(r.waitedMs).toBeGreaterThan(0);
    });

    it('within staleSeconds of expiry one caller recomputes early while the others get the value', async () => {
      await clients.client.getOrCompute('k', () => 'v1', { ttlSeconds: 10 });
      // memcached's clock ticks each second: 3.2 s leaves 6-7 s of the 10, inside an 8 s window,
      // with seconds to spare before expiry for a loaded machine's late timers (a 5 s TTL with
      // a 3 s window expired once in a full CI run).
      await sleep(3200);
      const options = { ttlSeconds: 10, staleSeconds: 8 };
      const gate = deferred<void>();
      let started = false;
      const early = clients.client.getOrCompute(
        'k',
        async (ctx) => {
          started = true;
          expect(ctx).toMatchObject({ reason: 'expiring', previous: 'v1' });
          await gate.promise;
          return 'v2';
        },
        options,
      );
      await until(() => started);
      const during = await clients.other.getOrCompute('k', () => 'not-me', options);
      expect(during).toMatchObject({
        outcome: 'stale',
        value: 'v1',
        reason: 'expiring',
        waitedMs: 0,
      });
      // Without staleSeconds the value is simply current.
      expect(await clients.other.getOrCompute('k', () => 'not-me')).toMatchObject({
        outcome: 'hit',
        value: 'v1',
      });
      gate.resolve();
      expect(await early).toMatchObject({
        outcome: 'computed',
        value: 'v2',
        reason: 'expiring',
        stored: true,
      });
    });

    it("with onWaitTimeout: 'fail', a caller that outwaits waitMs rejects with LeaseTimeoutError", async () => {
      const gate = deferred<void>();
      let started = false;
      const holder = clients.client.getOrCompute('k', async () => {
        started = true;
        await gate.promise;
        return 'v';
      });
      await until(() => started);
      const error = await clients.other
        .getOrCompute('k', () => 'not-me', { waitMs: 100, onWaitTimeout: 'fail' })
        .then(
          (r: ComputeResult<string>) => r,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: 'LEASE_TIMEOUT', key: 'k' });
      // With 'compute' it computes itself, and writes nothing over the holder's lease.
      const own = await clients.other.getOrCompute('k', () => 'mine', { waitMs: 100 });
      expect(own).toMatchObject({
        outcome: 'computed',
        value: 'mine',
        reason: 'wait_timeout',
        stored: false,
      });
      gate.resolve();
      expect(await holder).toMatchObject({ outcome: 'computed', stored: true });
      expect(await clients.other.getOrCompute('k', () => 'not-me')).toMatchObject({ value: 'v' });
    });

    it('invalidate of a missing key reports not_found', async () => {
      expect(await clients.client.invalidate('nothing-here')).toBe('not_found');
    });
  });
}
