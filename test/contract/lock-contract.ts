import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  constant,
  InvalidArgumentError,
  LockLostError,
  LockTimeoutError,
  remove,
  StaleFenceError,
  type Lock,
} from '../../src/index.js';
import { useContractClients, type ClientFactory, type ContractLimits } from './contract-clients.js';

/** Until the server's TTL of a 1000 ms lock (2 s in memcached's whole seconds) has surely run out. */
const PAST_SERVER_TTL_MS = 2_300;
/** A loaded machine may run memcached's once-a-second clock late: wait a little for expiry. */
const EXPIRY_SLACK_MS = 2_000;

/** Lock and fenced-write semantics, run against one backend (embedded store and real memcached). */
export function describeLockContract(
  name: string,
  factory: () => ClientFactory,
  limits: ContractLimits = {},
): void {
  describe(`lock contract: ${name}`, () => {
    const clients = useContractClients(factory);

    if (limits.proxy) {
      it('refuses locks through a proxy that does not pass stats on (no start time for the tokens)', async () => {
        await expect(clients.client.lock('job', { waitMs: 0 })).rejects.toThrow();
      });
      return;
    }

    it('a held lock makes a second acquisition with waitMs 0 fail with LockTimeoutError naming the key', async () => {
      const lock = await clients.client.lock('job');
      const err = await clients.other.lock('job', { waitMs: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).code).toBe('LOCK_TIMEOUT');
      expect((err as LockTimeoutError).key).toBe('job');
      expect((err as LockTimeoutError).attempts).toBe(1);
      expect((err as Error).message).toContain('"job"');
      expect(await lock.release()).toBe(true);
      const next = await clients.other.lock('job', { waitMs: 0 });
      expect(next.fencingToken).toBeGreaterThan(lock.fencingToken);
      await next.release();
    });

    it('fencing tokens strictly increase over acquisitions by several clients', async () => {
      const third = clients.open();
      const tokens: bigint[] = [];
      for (const c of [clients.client, clients.other, third, clients.client, third]) {
        const lock = await c.lock('seq', { waitMs: 0 });
        tokens.push(lock.fencingToken);
        await lock.release();
      }
      for (let i = 1; i < tokens.length; i++) {
        expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
      }
    });

    it('a lock and the data it guards may share a name', async () => {
      const lock = await clients.client.lock('report');
      await clients.client.set('report', 'data');
      await expect(clients.other.lock('report', { waitMs: 0 })).rejects.toBeInstanceOf(
        LockTimeoutError,
      );
      expect(await clients.client.get('report')).toBe('data');
      await lock.release();
    });

    it('release acts once: true, then false; extend after release is false', async () => {
      const lock = await clients.client.lock('once');
      expect(lock.held).toBe(true);
      expect(await lock.extend()).toBe(true);
      expect(await lock.release()).toBe(true);
      expect(lock.held).toBe(false);
      expect(await lock.release()).toBe(false);
      expect(await lock.extend()).toBe(false);
    });

    it('extend keeps the lock past its first TTL', async () => {
      const lock = await clients.client.lock('long', { ttlMs: 2000 });
      const before = lock.expiresAt;
      // Extended every 500 ms for 3 s: past the first TTL (2 s; 3 s on the server, whose clock
      // ticks in whole seconds, so at least 2 s), with 1.5 s to spare for a loaded machine's
      // late timers (a 1 s TTL extended every 400 ms failed once in a full CI run).
      for (let i = 0; i < 6; i++) {
        await sleep(500);
        expect(await lock.extend(2000)).toBe(true);
      }
      expect(lock.expiresAt).toBeGreaterThan(before);
      await expect(clients.other.lock('long', { waitMs: 0 })).rejects.toBeInstanceOf(
        LockTimeoutError,
      );
      expect(await lock.release()).toBe(true);
    });

    it("an expired holder's release and extend do not touch the next holder's lock", async () => {
      const first = await clients.client.lock('ttl', { ttlMs: 1000 });
      await sleep(PAST_SERVER_TTL_MS);
      const second = await clients.other.lock('ttl', { waitMs: EXPIRY_SLACK_MS });
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      expect(await first.extend()).toBe(false);
      expect(await first.release()).toBe(false);
      await expect(clients.open().lock('ttl', { waitMs: 0 })).rejects.toBeInstanceOf(
        LockTimeoutError,
      );
      expect(await second.release()).toBe(true);
    });

    it('waitMs bounds the wait: LockTimeoutError after about waitMs, with the time waited', async () => {
      const lock = await clients.client.lock('busy');
      const t0 = performance.now();
      const err = await clients.other
        .lock('busy', { waitMs: 300, policy: constant({ delayMs: 20 }) })
        .catch((e: unknown) => e);
      const elapsed = performance.now() - t0;
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).waitedMs).toBeGreaterThanOrEqual(300);
      // At least one wait between tries (a loaded machine may fire the 20 ms timers late).
      expect((err as LockTimeoutError).attempts).toBeGreaterThanOrEqual(2);
      expect(elapsed).toBeLessThan(3000);
      await lock.release();
    });

    it('a waiter acquires as soon as the holder releases', async () => {
      const lock = await clients.client.lock('handoff');
      const waiting = clients.other.lock('handoff', {
        waitMs: 5000,
        policy: constant({ delayMs: 10 }),
      });
      await sleep(50);
      await lock.release();
      const next = await waiting;
      expect(next.fencingToken).toBeGreaterThan(lock.fencingToken);
      await next.release();
    });

    it('signal stops a wait with its reason', async () => {
      const lock = await clients.client.lock('sig');
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const waiting = clients.other.lock('sig', {
        waitMs: 60_000,
        policy: constant({ delayMs: 5000 }),
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(reason), 50);
      const t0 = performance.now();
      await expect(waiting).rejects.toBe(reason);
      // Promptly: not after the policy's 5 s delay.
      expect(performance.now() - t0).toBeLessThan(2500);
      await lock.release();
      // The aborted waiter left nothing behind.
      await (await clients.other.lock('sig', { waitMs: 0 })).release();
    });

    it('withLock runs fn holding the lock and releases it afterwards', async () => {
      const result = await clients.client.withLock('wl', async (lock, signal) => {
        expect(signal.aborted).toBe(false);
        await expect(clients.other.lock('wl', { waitMs: 0 })).rejects.toBeInstanceOf(
          LockTimeoutError,
        );
        return lock.fencingToken;
      });
      expect(typeof result).toBe('bigint');
      await (await clients.other.lock('wl', { waitMs: 0 })).release();
    });

    it('withLock releases the lock when fn throws, and rethrows its error unchanged', async () => {
      const boom = new RangeError('boom');
      await expect(
        clients.client.withLock('wl-throw', () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      await (await clients.other.lock('wl-throw', { waitMs: 0 })).release();
    });

    it('withLock extends the lock while fn runs past its TTL', async () => {
      await clients.client.withLock(
        'wl-long',
        async (_lock, signal) => {
          await sleep(PAST_SERVER_TTL_MS);
          expect(signal.aborted).toBe(false);
          await expect(clients.other.lock('wl-long', { waitMs: 0 })).rejects.toBeInstanceOf(
            LockTimeoutError,
          );
        },
        { ttlMs: 1000 },
      );
    });

    it("withLock aborts fn's signal with LockLostError when the lock is taken over, and rejects with it", async () => {
      let seen: unknown;
      const run = clients.client.withLock(
        'wl-lost',
        async (_lock, signal) => {
          // Another holder takes over: the lock item is deleted behind this
          // holder's back (as an eviction would), and the other acquires it.
          await clients.other.delete('memcas-lock:wl-lost');
          await clients.other.lock('wl-lost', { waitMs: 0 });
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          seen = signal.reason;
          return 'done';
        },
        { ttlMs: 3000, extendEveryMs: 50 },
      );
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockLostError);
      expect(err).toMatchObject({ code: 'LOCK_LOST', reason: 'lost', key: 'wl-lost' });
      expect(seen).toBe(err);
      // withLock's own release did not remove the new holder's lock.
      await expect(clients.open().lock('wl-lost', { waitMs: 0 })).rejects.toBeInstanceOf(
        LockTimeoutError,
      );
    });

    it('withLock: fn may release the lock itself; nothing is reported lost', async () => {
      const r = await clients.client.withLock(
        'wl-self',
        async (lock) => {
          expect(await lock.release()).toBe(true);
          await sleep(150);
          return 'ok';
        },
        { ttlMs: 3000, extendEveryMs: 50 },
      );
      expect(r).toBe('ok');
    });

    it('fenced set: readers see the plain value; a smaller fencing token is refused, nothing written', async () => {
      const older = await clients.client.lock('res-lock', { ttlMs: 1000 });
      await clients.client.set('res', { v: 1 }, { fence: older });
      expect(await clients.other.get('res')).toEqual({ v: 1 });
      await sleep(PAST_SERVER_TTL_MS);
      const newer = await clients.other.lock('res-lock', { waitMs: EXPIRY_SLACK_MS });
      await clients.other.set('res', { v: 2 }, { fence: newer });
      const err = await clients.client
        .set('res', { v: 3 }, { fence: older })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StaleFenceError);
      expect(err).toMatchObject({
        code: 'STALE_FENCE',
        reason: 'superseded',
        key: 'res',
        fencingToken: older.fencingToken,
        storedToken: newer.fencingToken,
      });
      expect(await clients.client.get('res')).toEqual({ v: 2 });
      // The newer holder writes again, with its own (equal) token.
      await clients.other.set('res', { v: 4 }, { fence: newer });
      expect(await clients.client.get('res')).toEqual({ v: 4 });
      await newer.release();
    });

    it('fenced update: fn sees the plain value; a stale holder is refused before fn runs', async () => {
      const older = await clients.client.lock('ctr-lock', { ttlMs: 1000 });
      const r = await clients.client.update<number>('ctr', (n) => (n ?? 0) + 1, { fence: older });
      expect(r).toMatchObject({ outcome: 'created', value: 1 });
      expect(await clients.other.get('ctr')).toBe(1);
      await sleep(PAST_SERVER_TTL_MS);
      const newer = await clients.other.lock('ctr-lock', { waitMs: EXPIRY_SLACK_MS });
      await clients.other.update<number>('ctr', (n) => n! + 10, { fence: newer });
      let ran = false;
      await expect(
        clients.client.update<number>(
          'ctr',
          (n) => {
            ran = true;
            return n! + 1;
          },
          { fence: older },
        ),
      ).rejects.toBeInstanceOf(StaleFenceError);
      expect(ran).toBe(false);
      expect(await clients.client.get('ctr')).toBe(11);
      await newer.release();
    });

    it('fenced writes with a released lock are refused; a fenced update may not remove', async () => {
      const lock = await clients.client.lock('rel-lock');
      await clients.client.set('rel', 1, { fence: lock });
      await expect(
        clients.client.update('rel', () => remove, { fence: lock }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await lock.release();
      await expect(clients.client.set('rel', 2, { fence: lock })).rejects.toMatchObject({
        code: 'STALE_FENCE',
        reason: 'released',
      });
      expect(await clients.client.get('rel')).toBe(1);
    });

    it('an unfenced write over a fenced item drops the fence (only fenced writes are checked)', async () => {
      const lock: Lock = await clients.client.lock('plain-lock');
      await clients.client.set('plain', 'fenced', { fence: lock });
      await clients.other.set('plain', 'plain');
      expect((await clients.other.gets('plain'))?.value).toBe('plain');
      await lock.release();
    });

    it('bad lock arguments are refused before any I/O', async () => {
      await expect(clients.client.lock('x', { ttlMs: 10 })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(clients.client.lock('x', { waitMs: -1 })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(
        clients.client.lock('x', { ttl: 5 } as unknown as { ttlMs: number }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(
        clients.client.set('x', 1, { fence: {} as unknown as Lock }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(
        clients.client.withLock('x', undefined as unknown as () => void),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
    });
  });
}
