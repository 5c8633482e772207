import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  abort,
  CasConflictError,
  CodecError,
  constant,
  none,
  remove,
  RetryExhaustedError,
  UnsupportedOperationError,
  ValueTooLargeError,
} from '../../src/index.js';
import { ManualClock, runUntilSettled } from '../helpers/manual-clock.js';
import { useContractClients, type ClientFactory, type ContractLimits } from './contract-clients.js';

/** `update()` semantics, run against one backend (embedded store and real memcached). */
export function describeUpdateContract(
  name: string,
  factory: () => ClientFactory,
  limits: ContractLimits = {},
): void {
  describe(`update() contract: ${name}`, () => {
    const clients = useContractClients(factory);

    it('creates a missing key via add and reports created', async () => {
      const r = await clients.client.update<number>('n', (cur) => (cur ?? 0) + 1);
      expect(r).toMatchObject({ outcome: 'created', value: 1, attempts: 1 });
      if (limits.text) {
        // A text-protocol write is not answered with its CAS: the token guards nothing.
        expect(r.cas?.value).toBe(0n);
        expect(await clients.client.cas('n', 5, r.cas!)).toBe('conflict');
        return;
      }
      expect(r.cas?.value).toBe((await clients.client.gets('n'))?.cas.value);
    });

    it('updates an existing key via cas and reports updated with the new token', async () => {
      await clients.client.set('n', 41);
      const r = await clients.client.update<number>('n', (cur) => cur! + 1);
      expect(r).toMatchObject({ outcome: 'updated', value: 42, attempts: 1 });
      if (limits.text) expect((await clients.client.gets('n'))?.value).toBe(42);
      else expect(await clients.client.gets('n')).toEqual({ value: 42, cas: r.cas });
    });

    it('remove deletes the key and reports removed', async () => {
      await clients.client.set('n', 1);
      if (limits.text) {
        // remove needs a CAS-guarded delete, which the text protocol lacks: refused, nothing sent.
        await expect(clients.client.update('n', () => remove)).rejects.toBeInstanceOf(
          UnsupportedOperationError,
        );
        expect(await clients.client.get('n')).toBe(1);
        return;
      }
      const r = await clients.client.update('n', () => remove);
      expect(r).toMatchObject({ outcome: 'removed', value: undefined, cas: undefined });
      expect(await clients.client.get('n')).toBeUndefined();
    });

    it('abort writes nothing and hands back its result', async () => {
      await clients.client.set('stock', 0);
      const before = await clients.client.gets('stock');
      const r = await clients.client.update<number, string>('stock', (n) =>
        n! > 0 ? n! - 1 : abort('sold out'),
      );
      expect(r).toMatchObject({
        outcome: 'aborted',
        value: 0,
        result: 'sold out',
        cas: before!.cas,
      });
      expect(await clients.client.gets('stock')).toEqual(before);
    });

    it('a throwing fn stops the loop: its error is rethrown unchanged and nothing is written', async () => {
      await clients.client.set('k', 'old');
      const boom = new RangeError('boom');
      await expect(
        clients.client.update('k', () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      await expect(
        clients.client.update('k', () => {
          throw 'not an error';
        }),
      ).rejects.toBe('not an error');
      expect(await clients.client.get('k')).toBe('old');
    });

    it('a value the codec cannot encode is a CodecError and nothing is written', async () => {
      await clients.client.set('k', 'old');
      await expect(clients.client.update('k', () => ({ big: 1n }))).rejects.toBeInstanceOf(
        CodecError,
      );
      expect(await clients.client.get('k')).toBe('old');
    });

    it('a value over the item limit is a ValueTooLargeError and nothing is written', async () => {
      const small = clients.open({ maxValueBytes: 1000 });
      await small.set('k', 'old');
      await expect(small.update('k', () => 'x'.repeat(2000))).rejects.toBeInstanceOf(
        ValueTooLargeError,
      );
      expect(await small.get('k')).toBe('old');
    });

    it('retries a conflict and applies fn to the fresh value', async () => {
      await clients.client.set('profile', { name: 'Alice', email: 'a@x' });
      const seen: unknown[] = [];
      const r = await clients.client.update<{ name: string; email: string }>(
        'profile',
        async (cur, ctx) => {
          seen.push(cur);
          if (ctx.attempt === 1)
            await clients.other.set('profile', { name: 'Alice', email: 'alice@new' });
          return { ...cur!, name: 'Alice Smith' };
        },
      );
      expect(r.attempts).toBe(2);
      expect(seen).toEqual([
        { name: 'Alice', email: 'a@x' },
        { name: 'Alice', email: 'alice@new' },
      ]);
      expect(await clients.client.get('profile')).toEqual({
        name: 'Alice Smith',
        email: 'alice@new',
      });
    });

    it('a key created by someone else between read and add is retried as a conflict', async () => {
      const r = await clients.client.update<number>('n', async (cur, ctx) => {
        if (ctx.attempt === 1) await clients.other.set('n', 100);
        return (cur ?? 0) + 1;
      });
      expect(r).toMatchObject({ outcome: 'updated', value: 101, attempts: 2 });
    });

    it('a key deleted by someone else between read and cas is retried, and then created', async () => {
      await clients.client.set('n', 5);
      const r = await clients.client.update<number>('n', async (cur, ctx) => {
        if (ctx.attempt === 1) await clients.other.delete('n');
        return (cur ?? 0) + 1;
      });
      expect(r).toMatchObject({ outcome: 'created', value: 1, attempts: 2 });
    });

    it('an exhausted attempt budget throws RetryExhaustedError with key, attempts and the last conflict', async () => {
      await clients.client.set('hot', 0);
      let calls = 0;
      const err = await clients.client
        .update<number>(
          'hot',
          async (n) => {
            calls++;
            await clients.other.incr('hot', 1);
            return n! + 1;
          },
          { maxAttempts: 4, policy: none() },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryExhaustedError);
      expect(err).toMatchObject({ key: 'hot', attempts: 4, reason: 'attempts' });
      expect((err as Error).cause).toBeInstanceOf(CasConflictError);
      expect(calls).toBe(4);
      expect(await clients.client.get('hot')).toBe(4);
    });

    it('the deadline stops retrying on time, measured on the injected clock', async () => {
      const clock = new ManualClock();
      const c = clients.open({ clock });
      await c.set('hot', 0);
      const pending = c.update<number>(
        'hot',
        async (n) => {
          await clients.other.incr('hot', 1);
          return n! + 1;
        },
        { deadlineMs: 150, maxAttempts: 1000, policy: constant({ delayMs: 20 }) },
      );
      const settled = await runUntilSettled(clock, pending);
      expect(settled.status).toBe('rejected');
      // Attempts at 0, 20, …, 140 ms; the eighth conflict's sleep is cut to the deadline.
      expect((settled as PromiseRejectedResult).reason).toMatchObject({
        name: 'RetryExhaustedError',
        reason: 'deadline',
        attempts: 8,
      });
      expect(clock.now()).toBe(150);
    });

    it('deadlineMs covers fn: a slow fn past the deadline rejects, and what it computed is never written', async () => {
      await clients.client.set('slow', 1);
      let finished = false;
      const err = await clients.client
        .update<number>(
          'slow',
          async (n) => {
            await sleep(400);
            finished = true;
            return n! + 1;
          },
          { deadlineMs: 100 },
        )
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'RetryExhaustedError', reason: 'deadline' });
      expect(finished).toBe(false);
      await vi.waitFor(() => expect(finished).toBe(true));
      await sleep(20);
      expect(await clients.client.get('slow')).toBe(1);
    });

    it.each([true, false])(
      'an fn that never settles rejects at its deadline and holds no other update of the key hostage (combine %s), nor close()',
      async (combine) => {
        const c = clients.open({ drainTimeoutMs: 200 });
        await c.set('stuck', 1);
        const stuck = c.update<number>('stuck', () => new Promise<number>(() => undefined), {
          deadlineMs: 300,
          combine,
        });
        stuck.catch(() => undefined);
        await sleep(5);
        const later = await c.update<number>('stuck', (n) => n! + 1, { combine, deadlineMs: 2000 });
        expect(later).toMatchObject({ outcome: 'updated', value: 2 });
        await expect(stuck).rejects.toMatchObject({ reason: 'deadline' });
        const forever = c.update<number>('stuck', () => new Promise<number>(() => undefined), {
          deadlineMs: Infinity,
          combine,
        });
        await sleep(5);
        await c.close();
        await expect(forever).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
        expect(await clients.client.get('stuck')).toBe(2);
      },
    );

    it('an AbortSignal stops the update promptly during a backoff sleep', async () => {
      const clock = new ManualClock();
      const c = clients.open({ clock });
      await c.set('hot', 0);
      const controller = new AbortController();
      const pending = c.update<number>(
        'hot',
        async (n) => {
          await clients.other.incr('hot', 1);
          return n! + 1;
        },
        { signal: controller.signal, policy: constant({ delayMs: 10_000 }), deadlineMs: 60_000 },
      );
      await vi.waitFor(() => expect(clock.pending).toBe(1)); // asleep in backoff
      controller.abort(new Error('caller gave up'));
      await expect(pending).rejects.toThrow('caller gave up');
      expect(clock.now()).toBe(0); // no time had to pass
    });

    it('an already aborted signal rejects without calling fn', async () => {
      let called = false;
      const controller = new AbortController();
      controller.abort(new Error('early'));
      await expect(
        clients.client.update('k', () => ((called = true), 1), { signal: controller.signal }),
      ).rejects.toThrow('early');
      expect(called).toBe(false);
    });

    it('combined calls: one write, functions applied in arrival order, a throwing one isolated', async () => {
      await clients.client.set('n', 1);
      const a = clients.client.update<number>('n', (n) => n! + 1);
      const b = clients.client.update<number>('n', () => {
        throw new Error('b failed');
      });
      const c = clients.client.update<number>('n', (n) => n! * 10);
      const [ra, rb, rc] = await Promise.allSettled([a, b, c]);
      expect(ra).toMatchObject({
        status: 'fulfilled',
        value: { outcome: 'updated', value: 2, attempts: 1 },
      });
      expect(rb).toMatchObject({ status: 'rejected', reason: { message: 'b failed' } });
      expect(rc).toMatchObject({
        status: 'fulfilled',
        value: { outcome: 'updated', value: 20, attempts: 1 },
      });
      // one write: both callers see the token of the same stored item
      const sa = ra.status === 'fulfilled' ? ra.value.cas : undefined;
      const sc = rc.status === 'fulfilled' ? rc.value.cas : undefined;
      expect(sa).toBe(sc);
      if (limits.text) expect((await clients.client.gets('n'))?.value).toBe(20);
      else expect(await clients.client.gets('n')).toEqual({ value: 20, cas: sc });
    });

    it('combined calls: a decision made on an unwritten value is redone after a conflict', async () => {
      await clients.client.set('n', 1);
      const a = clients.client.update<number>('n', async (n, ctx) => {
        if (ctx.attempt === 1) await clients.other.set('n', 100);
        return n! + 1;
      });
      const b = clients.client.update<number, string>('n', (n) =>
        n === 2 ? abort('saw 2') : n! + 5,
      );
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra).toMatchObject({ outcome: 'updated', value: 101, attempts: 2 });
      expect(rb).toMatchObject({ outcome: 'updated', value: 106, attempts: 2 });
      expect(await clients.client.get('n')).toBe(106);
    });

    it('with combine: false, concurrent calls on one key each write and still lose nothing', async () => {
      await clients.client.set('n', 0);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          clients.client.update<number>('n', (n) => n! + 1, {
            combine: false,
            policy: none(),
            maxAttempts: 100,
          }),
        ),
      );
      expect(await clients.client.get('n')).toBe(20);
      expect(new Set(results.map((r) => r.cas)).size).toBe(20);
    });

    it('8 writers x 500 increments over 16 keys leave every counter exact', async () => {
      const writers = Array.from({ length: 8 }, () => clients.open());
      const perKey = new Array(16).fill(0);
      await Promise.all(
        writers.map(async (w, wi) => {
          for (let i = 0; i < 500; i++) {
            const k = (wi * 7 + i) % 16;
            perKey[k]++;
            await w.update<number>(`ctr:${k}`, (n) => (n ?? 0) + 1, {
              maxAttempts: 1000,
              deadlineMs: 30_000,
            });
          }
        }),
      );
      const values = await clients.client.getMany<number>(perKey.map((_, k) => `ctr:${k}`));
      expect(values.map((e) => (e.status === 'hit' ? e.value : e.status))).toEqual(perKey);
    }, 60_000);

    it('list append: every acknowledged id is present exactly once', async () => {
      const writers = Array.from({ length: 6 }, () => clients.open());
      const acked: string[] = [];
      await Promise.all(
        writers.flatMap((w, wi) =>
          Array.from({ length: 40 }, async (_, i) => {
            const id = `${wi}-${i}`;
            await w.update<string[]>('list', (cur) => [...(cur ?? []), id], {
              maxAttempts: 1000,
              deadlineMs: 30_000,
            });
            acked.push(id);
          }),
        ),
      );
      const list = (await clients.client.get<string[]>('list'))!;
      expect(list).toHaveLength(acked.length);
      expect(new Set(list)).toEqual(new Set(acked));
    }, 60_000);

    it('bad retry options are a TypeError naming the option', async () => {
      await expect(clients.client.update('k', () => 1, { maxAttempts: 0 })).rejects.toThrow(
        /maxAttempts/,
      );
      await expect(clients.client.update('k', () => 1, { deadlineMs: -5 })).rejects.toThrow(
        /deadlineMs/,
      );
    });
  });
}
