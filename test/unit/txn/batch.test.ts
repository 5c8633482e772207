import { describe, expect, it } from 'vitest';
import { constant, none } from '../../../src/backoff/index.js';
import { IndeterminateWriteError, RetryExhaustedError } from '../../../src/errors/index.js';
import {
  abort,
  Batch,
  remove,
  resolveRetryOptions,
  type UpdateFn,
  type UpdateIO,
  type UpdateResult,
  type Waiter,
  type WriteOutcome,
} from '../../../src/txn/index.js';

/** An in-memory key whose writes fail as scripted: each entry answers one write. */
function fakeIO(
  initial: number | undefined,
  script: Array<WriteOutcome['kind'] | 'indeterminate-error'> = [],
) {
  const state = { value: initial, cas: initial === undefined ? 0n : 1n, writes: 0, reads: 0 };
  const io: UpdateIO<number> = {
    key: 'k',
    async read() {
      state.reads++;
      return { value: state.value, cas: state.cas, origin: 'node' };
    },
    encode: (v) => Buffer.from(JSON.stringify(v)),
    async write(_snapshot, bytes) {
      state.writes++;
      const next = script.shift();
      if (next === 'indeterminate-error') throw new IndeterminateWriteError('node', 'k', 'lost');
      if (next !== undefined && next !== 'stored') {
        state.cas++; // someone else wrote
        return { kind: next } as WriteOutcome;
      }
      state.value = bytes === undefined ? undefined : (JSON.parse(bytes.toString()) as number);
      state.cas = bytes === undefined ? 0n : state.cas + 1n;
      return { kind: 'stored', cas: bytes === undefined ? undefined : state.cas };
    },
  };
  return { io, state };
}

function waiter(
  fn: UpdateFn<number>,
  options: Parameters<typeof resolveRetryOptions>[0] = {},
  extra: Partial<Waiter<number>> = {},
) {
  let settle!: { resolve: (r: UpdateResult<number>) => void; reject: (e: unknown) => void };
  const result = new Promise<UpdateResult<number>>(
    (resolve, reject) => (settle = { resolve, reject }),
  );
  const w: Waiter<number> = {
    fn,
    retry: resolveRetryOptions({ policy: none(), random: () => 0.5, ...options }),
    signal: undefined,
    idempotent: false,
    started: 0,
    resolve: (r) => settle.resolve(r),
    reject: (e) => settle.reject(e),
    attempts: 0,
    previousDelayMs: 0,
    ...extra,
  };
  return { w, result };
}

const clock = () => 0;

describe('Batch (the update loop)', () => {
  it('retries scripted conflicts and resolves with the attempt count', async () => {
    const { io, state } = fakeIO(1, ['cas', 'not_found', 'stored']);
    const { w, result } = waiter((n) => (n ?? 0) + 1);
    await new Batch(io, [w], clock).run();
    expect(await result).toMatchObject({ outcome: 'updated', value: 2, attempts: 3 });
    expect(state).toMatchObject({ reads: 3, writes: 3, value: 2 });
  });

  it('gives up after maxAttempts with RetryExhaustedError', async () => {
    const { io } = fakeIO(1, ['cas', 'cas', 'cas']);
    const { w, result } = waiter((n) => n! + 1, { maxAttempts: 3 });
    await new Batch(io, [w], clock).run();
    await expect(result).rejects.toMatchObject({
      name: 'RetryExhaustedError',
      attempts: 3,
      reason: 'attempts',
    });
  });

  it('gives up on the injected clock: a deadline already spent is exhausted at the first conflict', async () => {
    const { io } = fakeIO(1, ['cas']);
    let now = 0;
    const { w, result } = waiter(
      (n) => {
        now += 5_000; // the function itself took five seconds
        return n! + 1;
      },
      { deadlineMs: 1000, maxAttempts: 100, policy: constant({ delayMs: 1 }) },
    );
    await new Batch(io, [w], () => now).run();
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryExhaustedError);
    expect(err).toMatchObject({ reason: 'deadline', attempts: 1 });
  });

  it('an indeterminate write rejects a non-idempotent caller and re-reads for an idempotent one', async () => {
    const a = fakeIO(1, ['indeterminate-error']);
    const plain = waiter((n) => n! + 1);
    await new Batch(a.io, [plain.w], clock).run();
    await expect(plain.result).rejects.toBeInstanceOf(IndeterminateWriteError);

    const b = fakeIO(1, ['indeterminate-error', 'stored']);
    const idem = waiter(() => 7, {}, { idempotent: true });
    await new Batch(b.io, [idem.w], clock).run();
    expect(await idem.result).toMatchObject({ outcome: 'updated', value: 7, attempts: 2 });
  });

  it('remove deletes; abort writes nothing; created when the key was missing', async () => {
    const gone = fakeIO(5);
    const r1 = waiter(() => remove);
    await new Batch(gone.io, [r1.w], clock).run();
    expect(await r1.result).toMatchObject({ outcome: 'removed', value: undefined });
    expect(gone.state.value).toBeUndefined();

    const kept = fakeIO(5);
    const r2 = waiter(() => abort('no'));
    await new Batch(kept.io, [r2.w], clock).run();
    expect(await r2.result).toMatchObject({ outcome: 'aborted', value: 5, result: 'no' });
    expect(kept.state.writes).toBe(0);

    const fresh = fakeIO(undefined);
    const r3 = waiter((n) => (n ?? 0) + 1);
    await new Batch(fresh.io, [r3.w], clock).run();
    expect(await r3.result).toMatchObject({ outcome: 'created', value: 1 });
  });

  it('a batch applies functions in order with one write, isolating a throwing one', async () => {
    const { io, state } = fakeIO(1);
    const a = waiter((n) => n! + 1);
    const b = waiter(() => {
      throw new Error('b');
    });
    const c = waiter((n) => n! * 10);
    await new Batch(io, [a.w, b.w, c.w], clock).run();
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
    await new Batch(io, [w], clock).run();
    await result;
    expect(seen).toEqual([
      [1, 0, 0.25],
      [2, 1, 0.25],
    ]);
  });
});
