import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/backend/index.js';
import { constant, none } from '../../../src/backoff/index.js';
import { CasToken, type Topology } from '../../../src/cluster/index.js';
import {
  ClientClosedError,
  IndeterminateWriteError,
  RetryExhaustedError,
} from '../../../src/errors/index.js';
import {
  abort,
  Batch,
  Combiner,
  remove,
  resolveRetryOptions,
  STALL_MS,
  UpdateCall,
  Updater,
  type UpdateFn,
  type UpdateIO,
  type UpdateResult,
  type WriteOutcome,
} from '../../../src/txn/index.js';
import { jsonCodec } from '../../../src/codec/index.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';
import { sinkIO, type PromiseIO } from '../../helpers/promise-io.js';
import type { Clock } from '../../../src/clock/index.js';

const NODE = { address: 'node' } as Backend;
const token = (cas: bigint): CasToken => new CasToken(cas, 'k', NODE, 0, {} as Topology);

/** Starts a batch; `done` resolves when it calls its `onDone` (every call settled). */
function startBatch<T>(
  io: UpdateIO<T>,
  calls: Array<UpdateCall<T>>,
  clock: Clock,
): { batch: Batch<T>; done: Promise<void> } {
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const batch = new Batch(io, calls, clock, undefined, undefined, undefined, finished);
  return { batch, done };
}

/** An in-memory key whose writes fail as scripted: each entry answers one write. */
function fakeIO(
  initial: number | undefined,
  script: Array<WriteOutcome['kind'] | 'indeterminate-error' | 'hang'> = [],
) {
  const state = { value: initial, cas: initial === undefined ? 0n : 1n, writes: 0, reads: 0 };
  let release: (() => void) | undefined;
  const promises: PromiseIO<number> = {
    key: 'k',
    async read() {
      state.reads++;
      return { value: state.value, present: state.value !== undefined, token: token(state.cas) };
    },
    encode: (v) => Buffer.from(JSON.stringify(v)),
    async write(_snapshot, bytes) {
      state.writes++;
      let next = script.shift();
      if (next === 'hang') {
        await new Promise<void>((resolve) => (release = resolve));
        next = 'stored';
      }
      if (next === 'indeterminate-error') throw new IndeterminateWriteError('node', 'k', 'lost');
      if (next !== undefined && next !== 'stored') {
        state.cas++; // someone else wrote
        return { kind: next } as WriteOutcome;
      }
      state.value = bytes === undefined ? undefined : (JSON.parse(bytes.toString()) as number);
      state.cas = bytes === undefined ? 0n : state.cas + 1n;
      return { kind: 'stored', cas: bytes === undefined ? undefined : token(state.cas) };
    },
  };
  return { io: sinkIO(promises), promises, state, releaseWrite: () => release?.() };
}

function waiter(
  fn: UpdateFn<number>,
  options: Parameters<typeof resolveRetryOptions>[0] = {},
  extra: { idempotent?: boolean; signal?: AbortSignal; started?: number } = {},
) {
  let settle!: { resolve: (r: UpdateResult<number>) => void; reject: (e: unknown) => void };
  const result = new Promise<UpdateResult<number>>(
    (resolve, reject) => (settle = { resolve, reject }),
  );
  result.catch(() => undefined);
  const w = new UpdateCall<number>(
    fn,
    resolveRetryOptions({ policy: none(), random: () => 0.5, ...options }),
    extra.signal,
    extra.idempotent ?? false,
    extra.started ?? 0,
    (r) => settle.resolve(r),
    (e) => settle.reject(e),
  );
  return { w, result };
}

/** A clock that stays at 0 and fires timers at once: for tests where time does not matter. */
const clock = {
  now: () => 0,
  setTimer: (_ms: number, fn: () => void) => (setImmediate(fn), () => undefined),
};

describe('Batch (the update loop)', () => {
  it('retries scripted conflicts and resolves with the attempt count', async () => {
    const { io, state } = fakeIO(1, ['cas', 'not_found', 'stored']);
    const { w, result } = waiter((n) => (n ?? 0) + 1);
    await startBatch(io, [w], clock).done;
    expect(await result).toMatchObject({ outcome: 'updated', value: 2, attempts: 3 });
    expect(state).toMatchObject({ reads: 3, writes: 3, value: 2 });
  });

  it('gives up after maxAttempts with RetryExhaustedError', async () => {
    const { io } = fakeIO(1, ['cas', 'cas', 'cas']);
    const { w, result } = waiter((n) => n! + 1, { maxAttempts: 3 });
    await startBatch(io, [w], clock).done;
    await expect(result).rejects.toMatchObject({
      name: 'RetryExhaustedError',
      attempts: 3,
      reason: 'attempts',
    });
  });

  it('on the injected clock: a synchronous fn that outlasts the deadline is rejected, and nothing is written', async () => {
    const { io, state } = fakeIO(1);
    let now = 0;
    const jumpy = { now: () => now, setTimer: clock.setTimer };
    const { w, result } = waiter(
      (n) => {
        now += 5_000; // the function itself took five seconds
        return n! + 1;
      },
      { deadlineMs: 1000, maxAttempts: 100, policy: constant({ delayMs: 1 }) },
    );
    await startBatch(io, [w], jumpy).done;
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryExhaustedError);
    expect(err).toMatchObject({ reason: 'deadline', attempts: 1 });
    expect(state.writes).toBe(0);
  });

  it('an indeterminate write rejects a non-idempotent caller and re-reads for an idempotent one', async () => {
    const a = fakeIO(1, ['indeterminate-error']);
    const plain = waiter((n) => n! + 1);
    await startBatch(a.io, [plain.w], clock).done;
    await expect(plain.result).rejects.toBeInstanceOf(IndeterminateWriteError);

    const b = fakeIO(1, ['indeterminate-error', 'stored']);
    const idem = waiter(() => 7, {}, { idempotent: true });
    await startBatch(b.io, [idem.w], clock).done;
    expect(await idem.result).toMatchObject({ outcome: 'updated', value: 7, attempts: 2 });
  });

  it('remove deletes; abort writes nothing; created when the key was missing', async () => {
    const gone = fakeIO(5);
    const r1 = waiter(() => remove);
    await startBatch(gone.io, [r1.w], clock).done;
    expect(await r1.result).toMatchObject({ outcome: 'removed', value: undefined });
    expect(gone.state.value).toBeUndefined();

    const kept = fakeIO(5);
    const r2 = waiter(() => abort('no'));
    await startBatch(kept.io, [r2.w], clock).done;
    expect(await r2.result).toMatchObject({ outcome: 'aborted', value: 5, result: 'no' });
    expect(kept.state.writes).toBe(0);

    const fresh = fakeIO(undefined);
    const r3 = waiter((n) => (n ?? 0) + 1);
    await startBatch(fresh.io, [r3.w], clock).done;
    expect(await r3.result).toMatchObject({ outcome: 'created', value: 1 });
  });

  it('a batch applies functions in order with one write, isolating a throwing one', async () => {
    const { io, state } = fakeIO(1);
    const a = waiter((n) => n! + 1);
    const b = waiter(() => {
      throw new Error('b');
    });
    const c = waiter((n) => n! * 10);
    await startBatch(io, [a.w, b.w, c.w], clock).done;
    expect((await a.result).value).toBe(2);
    await expect(b.result).rejects.toThrow('b');
    expect((await c.result).value).toBe(20);
    expect(state).toMatchObject({ reads: 1, writes: 1, value: 20 });
  });

  it('passes the backoff policy the attempt, the previous delay and the injected random source', async () => {
    const { io } = fakeIO(1, ['cas', 'cas', 'stored']);
    const seen: Array<[number, number, number]> = [];
    const policy = {
      name: 'spy',
      delay: ({
        attempt,
        previousDelayMs,
        random,
      }: {
        attempt: number;
        previousDelayMs: number;
        random: () => number;
      }) => {
        seen.push([attempt, previousDelayMs, random()]);
        return attempt;
      },
    };
    const { w, result } = waiter((n) => n! + 1, { policy, random: () => 0.25 });
    await startBatch(io, [w], clock).done;
    await result;
    expect(seen).toEqual([
      [1, 0, 0.25],
      [2, 1, 0.25],
    ]);
  });
});

describe('Batch: deadlines, signals and stuck functions (hardening)', () => {
  it('an fn that never settles rejects at the deadline; nothing is written', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const { w, result } = waiter(() => new Promise<number>(() => undefined), { deadlineMs: 200 });
    const { done } = startBatch(io, [w], manual);
    await manual.advance(199);
    expect(await Promise.race([result.then(() => 'settled'), settle().then(() => 'pending')])).toBe(
      'pending',
    );
    await manual.advance(1);
    await expect(result).rejects.toMatchObject({ name: 'RetryExhaustedError', reason: 'deadline' });
    await done;
    expect(state.writes).toBe(0);
  });

  it('a slow fn that returns after the deadline has its value dropped, never written', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    let finish!: (v: number) => void;
    const { w, result } = waiter(() => new Promise<number>((r) => (finish = r)), {
      deadlineMs: 200,
    });
    const { done } = startBatch(io, [w], manual);
    await manual.advance(1500);
    finish(99);
    await done;
    await expect(result).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(state).toMatchObject({ writes: 0, value: 1 });
  });

  it('a signal aborted while fn runs rejects at once with its reason; nothing is written', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const controller = new AbortController();
    let finish!: (v: number) => void;
    const { w, result } = waiter(
      () => new Promise<number>((r) => (finish = r)),
      {},
      { signal: controller.signal },
    );
    const { done } = startBatch(io, [w], manual);
    await settle();
    controller.abort(new Error('caller gave up'));
    await expect(result).rejects.toThrow('caller gave up');
    finish(5);
    await done;
    expect(state.writes).toBe(0);
  });

  it('in a combined batch, a call that times out after its fn ran is left out: the others are applied again and written', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const slow = waiter((n) => n! + 100, { deadlineMs: 50 });
    const late = waiter(async (n) => {
      await new Promise<void>((r) => manual.setTimer(100, r));
      return n! + 1;
    });
    const { done } = startBatch(io, [slow.w, late.w], manual);
    await manual.advance(100);
    await manual.advance(100);
    await done;
    await expect(slow.result).rejects.toMatchObject({ reason: 'deadline' });
    expect(await late.result).toMatchObject({ outcome: 'updated', value: 2 });
    expect(state).toMatchObject({ value: 2, writes: 1, reads: 2 });
  });

  it('a call aborted while its write is in flight settles with the write (it landed), not as aborted', async () => {
    const { io, state, releaseWrite } = fakeIO(1, ['hang']);
    const controller = new AbortController();
    const { w, result } = waiter((n) => n! + 1, {}, { signal: controller.signal });
    const { done } = startBatch(io, [w], new ManualClock());
    await settle();
    controller.abort(new Error('too late'));
    releaseWrite();
    await done;
    expect(await result).toMatchObject({ outcome: 'updated', value: 2 });
    expect(state.value).toBe(2);
  });

  it('a stuck fn does not hold later same-key calls hostage: after STALL_MS they run as their own batch', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const batches: Array<Promise<void>> = [];
    const combiner = new Combiner((batchIO, calls, onStall, onDone) => {
      batches.push(
        new Promise<void>((resolve) => {
          new Batch(batchIO, calls, manual, undefined, undefined, onStall, () => {
            onDone();
            resolve();
          });
        }),
      );
    }, manual);
    const stuck = waiter(() => new Promise<number>(() => undefined), { deadlineMs: Infinity });
    combiner.submit('k', io, stuck.w);
    await settle();
    const next = waiter((n) => n! + 1);
    combiner.submit('k', io, next.w);
    await manual.advance(STALL_MS);
    expect(await next.result).toMatchObject({ outcome: 'updated', value: 2 });
    expect(state.value).toBe(2);
    expect(batches).toHaveLength(2);
  });

  it('close(): a batch sleeping in backoff rejects with ClientClosedError instead of retrying', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1, ['cas']);
    const { w, result } = waiter((n) => n! + 1, { policy: constant({ delayMs: 1000 }) });
    const { batch, done } = startBatch(io, [w], manual);
    await settle();
    expect(manual.pending).toBe(1); // the backoff sleep
    batch.close();
    await done;
    await expect(result).rejects.toBeInstanceOf(ClientClosedError);
    expect(state.writes).toBe(1);
  });

  it('batches whose reads answer together run step by step: every function, then every write (not each whole in turn)', async () => {
    const events: string[] = [];
    const keys = ['a', 'b', 'c'].map((name) => {
      const { io, promises } = fakeIO(1);
      const write = promises.write.bind(promises);
      promises.write = (snapshot, bytes) => {
        events.push(`write ${name}`);
        return write(snapshot, bytes);
      };
      const { w, result } = waiter((n) => {
        events.push(`fn ${name}`);
        return n! + 1;
      });
      return { io, w, result };
    });
    const done = keys.map(({ io, w }) => startBatch(io, [w], clock).done);
    await Promise.all(done);
    for (const { result } of keys) expect(await result).toMatchObject({ value: 2 });
    expect(events).toEqual(['fn a', 'fn b', 'fn c', 'write a', 'write b', 'write c']);
  });
});

describe('Batch and Updater: deadlines of every waiting call, lost writes, close (review findings)', () => {
  it('in a combined batch, a call whose deadline passes while an earlier call’s async fn runs rejects on time; the other writes in one attempt', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const slow = waiter(
      async (n) => {
        await new Promise<void>((r) => manual.setTimer(240, r));
        return n! + 1;
      },
      { maxAttempts: 1 },
    );
    const hurried = waiter((n) => n! * 10, { deadlineMs: 50 });
    let hurriedAt: number | undefined;
    hurried.result.catch(() => (hurriedAt = manual.now()));
    const { done } = startBatch(io, [slow.w, hurried.w], manual);
    await manual.advance(300);
    await done;
    await expect(hurried.result).rejects.toMatchObject({ reason: 'deadline' });
    expect(hurriedAt).toBe(50);
    expect(await slow.result).toMatchObject({ outcome: 'updated', value: 2, attempts: 1 });
    expect(state).toMatchObject({ value: 2, writes: 1 });
  });

  it('a call queued behind a running batch answers to its own deadline and signal, and never runs', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const combiner = new Combiner(
      (batchIO, calls, onStall, onDone) =>
        void new Batch(batchIO, calls, manual, undefined, undefined, onStall, onDone),
      manual,
    );
    let release!: () => void;
    const first = waiter(async (n) => {
      await new Promise<void>((r) => (release = r));
      return n! + 1;
    });
    combiner.submit('k', io, first.w);
    await settle();
    let ran = 0;
    const late = waiter(() => ++ran, { deadlineMs: 100 });
    const controller = new AbortController();
    const aborted = waiter(() => ++ran, {}, { signal: controller.signal });
    combiner.submit('k', io, late.w);
    combiner.submit('k', io, aborted.w);
    controller.abort(new Error('stop'));
    await expect(aborted.result).rejects.toThrow('stop');
    await manual.advance(100);
    await expect(late.result).rejects.toMatchObject({ reason: 'deadline', attempts: 0 });
    release();
    expect(await first.result).toMatchObject({ value: 2 });
    expect(ran).toBe(0);
    expect(state.writes).toBe(1);
  });

  it('an idempotent call whose write answer was lost, then out of attempts, rejects with the IndeterminateWriteError (its write may have landed)', async () => {
    const { io, state } = fakeIO(1, ['indeterminate-error']);
    const { w, result } = waiter((n) => n! + 1, { maxAttempts: 1 }, { idempotent: true });
    await startBatch(io, [w], clock).done;
    await expect(result).rejects.toBeInstanceOf(IndeterminateWriteError);
    expect(state.writes).toBe(1);
  });

  it('Updater.close(): a queued call makes its first attempt; one whose fn never settles is rejected after the drain timeout, and close() then resolves', async () => {
    const manual = new ManualClock();
    const { io, state } = fakeIO(1);
    const updater = new Updater(resolveRetryOptions({ policy: none() }), true, manual);
    const codec = jsonCodec();
    const run = (fn: UpdateFn<number>, deadlineMs = 2000) =>
      updater.run(io, 'k', codec as never, 0, fn, {}, resolveRetryOptions({ deadlineMs }));
    const stuck = run(() => new Promise<number>(() => undefined), Infinity);
    stuck.catch(() => undefined);
    await settle();
    const queued = run((n) => n! + 1);
    queued.catch(() => undefined);
    let closed = false;
    const closing = updater.close(1000).then(() => (closed = true));
    await manual.advance(999);
    expect(closed).toBe(false);
    await manual.advance(1);
    await closing;
    await expect(stuck).rejects.toBeInstanceOf(ClientClosedError);
    // The queued call was behind a stuck batch; after STALL_MS it ran on its own, before the timeout.
    expect(await queued).toMatchObject({ outcome: 'updated', value: 2 });
    expect(state.writes).toBe(1);
  });

  it('an io whose read or write throws at once (not a rejected promise) fails the call with that error; the batch ends', async () => {
    for (const where of ['read', 'write', 'read-then-retry'] as const) {
      const { promises: io, state } = fakeIO(1, where === 'read-then-retry' ? ['cas'] : []);
      const boom = new Error(`${where} threw`);
      const throwing: PromiseIO<number> = {
        key: 'k',
        read: () => {
          if (where === 'read' || (where === 'read-then-retry' && state.reads > 0)) throw boom;
          return io.read();
        },
        encode: io.encode,
        write: (snapshot, bytes) => {
          if (where === 'write') throw boom;
          return io.write(snapshot, bytes);
        },
      };
      const { w, result } = waiter((n) => n! + 1, { maxAttempts: 3 });
      await startBatch(sinkIO(throwing), [w], clock).done;
      await expect(result).rejects.toBe(boom);
      expect(state.value).toBe(1);
    }
  });
});
