import { describe, expect, it } from 'vitest';
import { constant, MemoryStore, type Backend } from '../../../src/index.js';
import { SingleNodeTopology } from '../../../src/cluster/index.js';
import {
  LockTimeoutError,
  RetryBudgetExhaustedError,
  UnsupportedOperationError,
} from '../../../src/errors/index.js';
import { Locker, resolveLockOptions } from '../../../src/lock/index.js';
import { ManualClock, runUntilSettled } from '../../helpers/manual-clock.js';

/** Counts the lock item adds a backend receives. */
function counting(store: MemoryStore): { backend: Backend; adds: () => number } {
  let adds = 0;
  const backend = new Proxy(store, {
    get(target, name) {
      if (name === 'store') {
        return (req: Parameters<Backend['store']>[0]) => {
          if (req.mode === 'add') adds++;
          return target.store(req);
        };
      }
      const v: unknown = Reflect.get(target, name);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { backend, adds: () => adds };
}

describe('Locker', () => {
  it('waits as the policy says until waitMs, then fails with the time waited and the tries made', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const { backend, adds } = counting(store);
    const locker = new Locker(new SingleNodeTopology(backend), clock);
    const options = resolveLockOptions({ waitMs: 350, policy: constant({ delayMs: 100 }) }, 'lock');
    const held = await locker.acquire('k', 'memcas-lock:k', options);
    const r = await runUntilSettled(clock, locker.acquire('k', 'memcas-lock:k', options));
    expect(r.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason as LockTimeoutError;
    expect(err).toBeInstanceOf(LockTimeoutError);
    // Tries at 0, 100, 200, 300 and, cut short by waitMs, 350.
    expect(err.attempts).toBe(5);
    expect(err.waitedMs).toBe(350);
    expect(adds()).toBe(1 + 5);
    await held.release();
  });

  it('asks the retry budget before every new try, and fails fast when it is spent', async () => {
    const clock = new ManualClock();
    let requests = 0;
    let retries = 0;
    const gate = {
      recordRequest: () => void requests++,
      tryRetry: () => ++retries <= 2,
    };
    const outcomes: string[] = [];
    const locker = new Locker(new SingleNodeTopology(new MemoryStore()), clock, gate, Math.random, {
      finished: (outcome) => outcomes.push(outcome),
      contended: () => undefined,
      extensionLost: () => undefined,
    });
    const options = resolveLockOptions(
      { waitMs: 10_000, policy: constant({ delayMs: 10 }) },
      'lock',
    );
    const held = await locker.acquire('k', 'memcas-lock:k', options);
    const r = await runUntilSettled(clock, locker.acquire('k', 'memcas-lock:k', options));
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RetryBudgetExhaustedError);
    expect((r as PromiseRejectedResult).reason).toMatchObject({ operation: 'lock', attempts: 3 });
    expect(requests).toBe(2);
    expect(retries).toBe(3);
    expect(outcomes).toEqual(['acquired', 'throttled']);
    await held.release();
  });

  it('gives the lock back when no fencing token can be made (the node gave no start time)', async () => {
    const store = new MemoryStore();
    let failStats = true;
    const backend = new Proxy(store, {
      get(target, name) {
        if (name === 'stats' && failStats) {
          return () => Promise.resolve({ curr_items: '0' });
        }
        const v: unknown = Reflect.get(target, name);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const locker = new Locker(new SingleNodeTopology(backend), new ManualClock());
    const options = resolveLockOptions({ waitMs: 0 }, 'lock');
    await expect(locker.acquire('k', 'memcas-lock:k', options)).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    failStats = false;
    // Not left held until its TTL: the next try takes it at once.
    const lock = await locker.acquire('k', 'memcas-lock:k', options);
    expect(await lock.release()).toBe(true);
  });

  it('tells telemetry about acquisitions, their waits and contention', async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const locker = new Locker(
      new SingleNodeTopology(new MemoryStore()),
      clock,
      undefined,
      Math.random,
      {
        finished: (outcome, waitMs) => events.push(`${outcome} ${waitMs}`),
        contended: () => events.push('contended'),
        extensionLost: () => events.push('lost'),
      },
    );
    const options = resolveLockOptions({ waitMs: 20, policy: constant({ delayMs: 10 }) }, 'lock');
    const held = await locker.acquire('k', 'memcas-lock:k', options);
    await runUntilSettled(clock, locker.acquire('k', 'memcas-lock:k', options));
    expect(events).toEqual(['acquired 0', 'contended', 'contended', 'contended', 'timeout 20']);
    await held.release();
  });
});
