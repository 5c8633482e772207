/**
 * Review of a870bdd: an attempt of a Batch is callbacks on its read's and
 * write's promises (attempt -> applyRead -> writeApplied -> written -> ended)
 * instead of an async function, and the combiner learns the end of a batch
 * only from `onDone`. These tests pin what the rewrite kept (settling exactly
 * once, onDone exactly once and only after every call settled, synchronous
 * throws of the io, re-entrant starts of the next batch, close and the drain
 * timeout), and what it changed and was mended: a throw inside a promise
 * callback of the chain ends the batch, and the next batch of a key starts
 * after the tick, so callers that loop on the key join it.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/backend/index.js';
import { constant, none } from '../../../src/backoff/index.js';
import type { Clock } from '../../../src/clock/index.js';
import { CasToken, type Topology } from '../../../src/cluster/index.js';
import {
  ClientClosedError,
  IndeterminateWriteError,
  RetryExhaustedError,
} from '../../../src/errors/index.js';
import {
  Batch,
  resolveRetryOptions,
  STALL_MS,
  UpdateCall,
  Updater,
  type UpdateFn,
  type UpdateResult,
  type UpdateTelemetry,
  type WriteOutcome,
} from '../../../src/txn/index.js';
import { createClient } from '../../../src/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { sinkIO, type PromiseIO } from '../../helpers/promise-io.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

const NODE = { address: 'node' } as Backend;
const token = (cas: bigint): CasToken => new CasToken(cas, 'k', NODE, 0, {} as Topology);
const CODEC = { flags: 0 } as never;

type WriteScript =
  | WriteOutcome['kind']
  | 'indeterminate-error'
  | 'indeterminate-throw'
  | 'reject'
  | 'throw'
  | 'hold';
type ReadScript = 'ok' | 'reject' | 'throw' | 'hold';

/**
 * An in-memory key. Each read and each write takes the next entry of its
 * script (default: an ordinary answer); 'hold' waits for `release()`.
 */
function scriptedIO(initial: number, writes: WriteScript[] = [], reads: ReadScript[] = []) {
  const state = { value: initial, cas: 1n, reads: 0, writes: 0 };
  const held: Array<() => void> = [];
  const snapshot = () => ({ value: state.value, present: true, token: token(state.cas) });
  const io: PromiseIO<number> = {
    key: 'k',
    read() {
      state.reads++;
      const next = reads.shift() ?? 'ok';
      if (next === 'throw') throw new Error('read threw');
      if (next === 'reject') return Promise.reject(new Error('read rejected'));
      if (next === 'hold') return new Promise((resolve) => held.push(() => resolve(snapshot())));
      return Promise.resolve(snapshot());
    },
    encode: (v) => Buffer.from(JSON.stringify(v)),
    write(_snapshot, bytes) {
      state.writes++;
      const next = writes.shift() ?? 'stored';
      if (next === 'throw') throw new Error('write threw');
      if (next === 'indeterminate-throw') throw new IndeterminateWriteError('node', 'k', 'lost');
      if (next === 'reject') return Promise.reject(new Error('write rejected'));
      if (next === 'indeterminate-error') {
        return Promise.reject(new IndeterminateWriteError('node', 'k', 'lost'));
      }
      const store = (): WriteOutcome => {
        state.value = JSON.parse((bytes as Buffer).toString()) as number;
        state.cas++;
        return { kind: 'stored', cas: token(state.cas) };
      };
      if (next === 'hold') return new Promise((resolve) => held.push(() => resolve(store())));
      if (next !== 'stored') {
        state.cas++; // someone else wrote
        return Promise.resolve({ kind: next } as WriteOutcome);
      }
      return Promise.resolve(store());
    },
  };
  return {
    io,
    state,
    /** Answers the oldest held read or write. */
    release: () => held.shift()?.(),
    get holding() {
      return held.length;
    },
  };
}

interface Waiter {
  readonly w: UpdateCall<number>;
  readonly result: Promise<UpdateResult<number>>;
  /** How the call settled so far (undefined: not yet). */
  readonly outcome: { status: 'fulfilled' | 'rejected'; value: unknown } | undefined;
  /** How many times its promise was told to settle. */
  readonly settles: number;
}

function waiter(
  fn: UpdateFn<number>,
  options: Parameters<typeof resolveRetryOptions>[0] = {},
  extra: { idempotent?: boolean; signal?: AbortSignal; telemetry?: UpdateTelemetry } = {},
): Waiter {
  let box!: { resolve: (r: UpdateResult<number>) => void; reject: (e: unknown) => void };
  const result = new Promise<UpdateResult<number>>(
    (resolve, reject) => (box = { resolve, reject }),
  );
  result.catch(() => undefined);
  const out: {
    w?: UpdateCall<number>;
    result: Promise<UpdateResult<number>>;
    outcome: Waiter['outcome'];
    settles: number;
  } = { result, outcome: undefined, settles: 0 };
  out.w = new UpdateCall<number>(
    fn,
    resolveRetryOptions({ policy: none(), random: () => 0.5, deadlineMs: 10_000, ...options }),
    extra.signal,
    extra.idempotent ?? false,
    0,
    (r) => {
      out.settles++;
      out.outcome ??= { status: 'fulfilled', value: r };
      box.resolve(r);
    },
    (e) => {
      out.settles++;
      out.outcome ??= { status: 'rejected', value: e };
      box.reject(e);
    },
    extra.telemetry,
  );
  return out as Waiter;
}

/** Starts a batch and records its onDone calls, and whether every call had settled by then. */
function startBatch(
  io: PromiseIO<number>,
  waiters: Waiter[],
  clock: Clock,
  onStall?: () => void,
): { batch: Batch<number>; ends: boolean[] } {
  const ends: boolean[] = [];
  const calls = waiters.map((x) => x.w);
  const batch = new Batch(sinkIO(io), calls, clock, undefined, undefined, onStall, () => {
    ends.push(calls.every((c) => c.settled));
  });
  return { batch, ends };
}

/** A manual clock that a synchronous fn can also move at once (`jump`). */
function jumpingClock() {
  const manual = new ManualClock();
  let skew = 0;
  const clock: Clock = {
    now: () => manual.now() + skew,
    setTimer: (ms, fn) => manual.setTimer(ms, fn),
  };
  return { clock, manual, jump: (ms: number) => (skew += ms) };
}

/**
 * Runs `body` with the process's unhandled rejections collected in `seen`
 * instead of reported by vitest (its listeners are put back afterwards), so a
 * test can assert that there are none, and a known one does not fail the run.
 */
async function collectingUnhandled(body: (seen: unknown[]) => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const collect = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', collect);
  try {
    await body(seen);
  } finally {
    await settle();
    process.removeListener('unhandledRejection', collect);
    for (const listener of saved) process.on('unhandledRejection', listener);
  }
}

/** Telemetry that does nothing, except that `failed` throws `thrown` the first time. */
function throwingOnceTelemetry(thrown: unknown): UpdateTelemetry & { throws: number } {
  const telemetry = {
    throws: 0,
    batch: { started: () => undefined, backedOff: () => undefined },
    start: () => undefined,
    succeeded: () => undefined,
    failed: () => {
      if (telemetry.throws++ === 0) throw thrown;
    },
    conflict: () => undefined,
  };
  return telemetry;
}

function startUpdate(
  updater: Updater,
  io: PromiseIO<number>,
  fn: UpdateFn<number>,
  options: { deadlineMs?: number; signal?: AbortSignal } = {},
): { result: Promise<UpdateResult<number>>; done: () => boolean } {
  let settled = false;
  const retry = updater.retryOptions(
    options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs },
  );
  const result = updater.run(sinkIO(io), 'k', CODEC, 0, fn, { signal: options.signal }, retry);
  result.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { result, done: () => settled };
}

// ----------------------------------------------------------------------------

describe('Batch (review 3): onDone exactly once, after every call settled, each call settled once', () => {
  const scenarios: Array<{
    name: string;
    writes?: WriteScript[];
    reads?: ReadScript[];
    make: (clock: ManualClock) => Waiter[];
    drive?: (
      clock: ManualClock,
      batch: Batch<number>,
      k: ReturnType<typeof scriptedIO>,
    ) => Promise<void>;
    expect: (waiters: Waiter[]) => Promise<void>;
  }> = [
    {
      name: 'stored at once',
      make: () => [waiter((n) => n! + 1)],
      expect: async ([a]) => expect(await a!.result).toMatchObject({ value: 2, attempts: 1 }),
    },
    {
      name: 'a conflict, then stored (p-retry runs the retry)',
      writes: ['cas', 'stored'],
      make: () => [waiter((n) => n! + 1)],
      expect: async ([a]) => expect(await a!.result).toMatchObject({ value: 2, attempts: 2 }),
    },
    {
      name: 'the write rejects',
      writes: ['reject'],
      make: () => [waiter((n) => n! + 1), waiter((n) => n! + 1)],
      expect: async (ws) => {
        for (const w of ws) await expect(w.result).rejects.toThrow('write rejected');
      },
    },
    {
      name: 'the read rejects',
      reads: ['reject'],
      make: () => [waiter((n) => n! + 1)],
      expect: async ([a]) => expect(a!.result).rejects.toThrow('read rejected'),
    },
    {
      name: 'the write throws at once',
      writes: ['throw'],
      make: () => [waiter((n) => n! + 1)],
      expect: async ([a]) => expect(a!.result).rejects.toThrow('write threw'),
    },
    {
      name: 'a conflict, then the read of the retry throws at once',
      writes: ['cas'],
      reads: ['ok', 'throw'],
      make: () => [waiter((n) => n! + 1)],
      expect: async ([a]) => expect(a!.result).rejects.toThrow('read threw'),
    },
    {
      name: 'a conflict, then the read of the retry rejects with a non-Error',
      writes: ['cas'],
      reads: ['ok'],
      make: () => [waiter((n) => n! + 1)],
      drive: async (_clock, _batch, k) => {
        const read = k.io.read.bind(k.io);
        k.io.read = () => (k.state.reads > 0 ? Promise.reject('plain string') : read());
        await settle();
      },
      expect: async ([a]) => expect(a!.result).rejects.toBe('plain string'),
    },
    {
      name: 'a lost write answer (rejected), idempotent: read again, then stored',
      writes: ['indeterminate-error', 'stored'],
      make: () => [waiter(() => 7, {}, { idempotent: true })],
      expect: async ([a]) => expect(await a!.result).toMatchObject({ value: 7, attempts: 2 }),
    },
    {
      name: 'a lost write answer thrown at once, idempotent: read again, then stored',
      writes: ['indeterminate-throw', 'stored'],
      make: () => [waiter(() => 7, {}, { idempotent: true })],
      expect: async ([a]) => expect(await a!.result).toMatchObject({ value: 7, attempts: 2 }),
    },
    {
      name: 'a lost write answer, one call idempotent and one not',
      writes: ['indeterminate-error', 'stored'],
      make: () => [waiter((n) => n! + 1, {}, { idempotent: true }), waiter((n) => n! * 10)],
      expect: async ([idem, plain]) => {
        await expect(plain!.result).rejects.toBeInstanceOf(IndeterminateWriteError);
        expect(await idem!.result).toMatchObject({ outcome: 'updated', value: 2, attempts: 2 });
      },
    },
    {
      name: 'every call aborted while the read is in flight',
      reads: ['hold'],
      make: () => {
        const ctl = new AbortController();
        const a = waiter((n) => n! + 1, {}, { signal: ctl.signal });
        setImmediate(() => ctl.abort(new Error('gone')));
        return [a];
      },
      drive: async (_clock, _batch, k) => {
        await settle();
        k.release();
        await settle();
      },
      expect: async ([a]) => expect(a!.result).rejects.toThrow('gone'),
    },
    {
      name: 'an async fn that never settles, then abandon()',
      make: () => [waiter(() => new Promise<number>(() => undefined), { deadlineMs: Infinity })],
      drive: async (_clock, batch) => {
        await settle();
        batch.abandon(new ClientClosedError('update', 'drain timeout'));
        await settle();
      },
      expect: async ([a]) => expect(a!.result).rejects.toBeInstanceOf(ClientClosedError),
    },
    {
      name: 'close() during the backoff sleep',
      writes: ['cas'],
      make: () => [waiter((n) => n! + 1, { policy: constant({ delayMs: 1000 }) })],
      drive: async (_clock, batch) => {
        await settle();
        batch.close();
        await settle();
      },
      expect: async ([a]) => expect(a!.result).rejects.toBeInstanceOf(ClientClosedError),
    },
    {
      name: 'the deadline passes during the backoff sleep',
      writes: ['cas'],
      make: () => [waiter((n) => n! + 1, { policy: constant({ delayMs: 1000 }), deadlineMs: 500 })],
      drive: async (clock) => {
        await clock.advance(600);
      },
      expect: async ([a]) =>
        expect(a!.result).rejects.toMatchObject({
          name: 'RetryExhaustedError',
          reason: 'deadline',
        }),
    },
    {
      name: 'a second call’s async fn rejects after the first applied (deferred until the write)',
      make: () => [
        waiter((n) => n! + 1),
        waiter(() => Promise.reject(new Error('mine'))),
        waiter(async (n) => n! * 10),
      ],
      expect: async ([a, b, c]) => {
        expect(await a!.result).toMatchObject({ value: 2 });
        await expect(b!.result).rejects.toThrow('mine');
        expect(await c!.result).toMatchObject({ value: 20 });
      },
    },
    {
      name: 'an async fn in a retry attempt, its signal aborted while it runs',
      writes: ['cas'],
      make: (clock) => {
        const ctl = new AbortController();
        return [
          waiter(
            async (n, { attempt }) => {
              if (attempt === 2) {
                clock.setTimer(10, () => ctl.abort(new Error('stop')));
                await new Promise<void>(() => undefined);
              }
              return n! + 1;
            },
            { deadlineMs: Infinity },
            { signal: ctl.signal },
          ),
        ];
      },
      drive: async (clock) => {
        await clock.advance(20);
      },
      expect: async ([a]) => expect(a!.result).rejects.toThrow('stop'),
    },
  ];

  for (const s of scenarios) {
    it(s.name, async () => {
      await collectingUnhandled(async (unhandled) => {
        const clock = new ManualClock();
        const k = scriptedIO(1, s.writes ? [...s.writes] : [], s.reads ? [...s.reads] : []);
        const waiters = s.make(clock);
        const { batch, ends } = startBatch(k.io, waiters, clock);
        await s.drive?.(clock, batch, k);
        for (let i = 0; i < 5 && ends.length === 0; i++) await clock.advance(1000);
        await s.expect(waiters);
        await settle();
        expect(ends).toEqual([true]);
        for (const w of waiters) expect(w.settles).toBe(1);
        expect(unhandled).toEqual([]);
      });
    });
  }
});

describe('Batch and Updater (review 3): synchronous ends and re-entrant next batches', () => {
  const defaults = resolveRetryOptions({ policy: none(), random: () => 0.5 });

  it('a combined batch whose read throws at once ends inside its constructor; the key’s queue idles and serves the next call', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const updater = new Updater(defaults, true, clock);
      const k = scriptedIO(1, [], ['throw']);
      const a = startUpdate(updater, k.io, (n) => n! + 1);
      const b = startUpdate(updater, k.io, (n) => n! + 1);
      await expect(a.result).rejects.toThrow('read threw');
      await expect(b.result).rejects.toThrow('read threw');
      const c = startUpdate(updater, k.io, (n) => n! * 10);
      expect(await c.result).toMatchObject({ outcome: 'updated', value: 10 });
      expect(k.state).toMatchObject({ reads: 2, writes: 1 });
      await updater.close(0);
      expect(unhandled).toEqual([]);
    });
  });

  it('the batch after one whose write landed: a read of it that throws at once ends it, and the key serves the next call', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const updater = new Updater(defaults, true, clock);
      const k = scriptedIO(1, ['hold'], ['ok', 'throw']);
      const a = startUpdate(updater, k.io, (n) => n! + 1);
      await settle();
      expect(k.holding).toBe(1); // a's write is on the wire
      const b = startUpdate(updater, k.io, (n) => n! + 1); // waits for the next batch
      k.release();
      await expect(a.result).resolves.toMatchObject({ value: 2 });
      await expect(b.result).rejects.toThrow('read threw');
      const c = startUpdate(updater, k.io, (n) => n! * 10);
      expect(await c.result).toMatchObject({ outcome: 'updated', value: 20 });
      expect(k.state).toMatchObject({ reads: 3, writes: 2, value: 20 });
      await updater.close(0);
      expect(unhandled).toEqual([]);
    });
  });

  it('calls queued behind a batch run as the next one once its write lands, and a call made from a settled call’s continuation lands too', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const updater = new Updater(defaults, true, clock);
      const k = scriptedIO(1, ['hold', 'hold', 'hold']);
      const a = startUpdate(updater, k.io, (n) => n! + 1);
      await settle();
      const b = startUpdate(updater, k.io, (n) => n! + 1);
      const c = startUpdate(updater, k.io, (n) => n! * 10);
      let d: ReturnType<typeof startUpdate> | undefined;
      void a.result.then(() => (d = startUpdate(updater, k.io, (n) => n! - 1)));
      k.release(); // a stored: b and c start (one read)
      await settle();
      expect(d).toBeDefined();
      expect(k.state.reads).toBe(2);
      k.release();
      await settle();
      k.release();
      expect(await a.result).toMatchObject({ value: 2 });
      expect(await b.result).toMatchObject({ value: 3 });
      expect(await c.result).toMatchObject({ value: 30 });
      expect(await d!.result).toMatchObject({ value: 29 });
      // d is made in a's continuation, which runs before the next batch
      // starts (the combiner starts it once the queued microtasks have run): d joins b and c.
      expect(k.state.value).toBe(29);
      await updater.close(0);
      expect(unhandled).toEqual([]);
    });
  });

  // A caller whose continuation makes its next update() of the key (a loop:
  // `for (...) await client.update(key, fn)`) queues it while the queue is
  // still running, and it joins the calls already waiting: two groups of such
  // callers merge into one batch per round. a870bdd started the next batch
  // inside the write's callback, before any continuation: the waiting calls
  // started at once without them, and they waited a whole batch. Two groups that
  // started a little apart never merge again: every round takes two batches
  // (twice the reads and writes, half the rate per caller on a hot key).
  it('two groups of callers looping update() on one hot key merge into one batch per round (as before a870bdd), not alternate batches', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const updater = new Updater(defaults, true, clock);
      const rounds = 4;
      const k = scriptedIO(0, Array<WriteScript>(4 * rounds).fill('hold'));
      let finished = 0;
      const loop = async (): Promise<void> => {
        for (let i = 0; i < rounds; i++) await startUpdate(updater, k.io, (n) => n! + 1).result;
        finished++;
      };
      void loop();
      void loop();
      await settle(); // the first group's batch: its write is on the wire
      void loop();
      void loop(); // the second group waits behind it
      for (let i = 0; i < 4 * rounds && finished < 4; i++) {
        k.release();
        await settle();
      }
      expect(finished).toBe(4);
      expect(k.state.value).toBe(4 * rounds);
      expect(k.state.writes).toBe(rounds + 1); // now: 2 * rounds
      await updater.close(0);
      expect(unhandled).toEqual([]);
    });
  });

  // The same through the client (embedded store), counted by the batch-size
  // histogram: 21 batches before a870bdd, 40 now.
  it('(client) two groups looping update() on one hot key take about one batch per round, not two', async () => {
    const otel = new InMemoryOtel();
    const client = createClient({ meterProvider: otel.meterProvider });
    try {
      const rounds = 20;
      let startSecond: (() => void) | undefined;
      const loops: Array<Promise<void>> = [];
      const loop = async (): Promise<void> => {
        for (let i = 0; i < rounds; i++) {
          await client.update<number>('hot', (n) => {
            const start = startSecond;
            startSecond = undefined;
            start?.(); // the second group starts while the first one's batch runs
            return (n ?? 0) + 1;
          });
        }
      };
      startSecond = () => void loops.push(loop(), loop());
      loops.push(loop(), loop());
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(loops);
      await expect(client.get('hot')).resolves.toBe(4 * rounds);
      const batches = (await otel.summary())['memcas.update.batch_size']?.['{}'];
      expect(batches).toBeLessThanOrEqual(rounds + 1); // now: 2 * rounds
    } finally {
      await client.close();
      await otel.shutdown();
    }
  });

  it('Updater.close() with a drain timeout shorter than STALL_MS: the stuck call and the one queued behind it reject, the batch ends, nothing else is read or written', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const updater = new Updater(defaults, true, clock);
      const k = scriptedIO(1);
      let late: ((n: number) => void) | undefined;
      const stuck = startUpdate(
        updater,
        k.io,
        () =>
          new Promise<number>((resolve) => {
            late = resolve;
          }),
        { deadlineMs: Infinity },
      );
      await settle();
      const queued = startUpdate(updater, k.io, (n) => n! + 1, { deadlineMs: Infinity });
      const closing = updater.close(STALL_MS / 2);
      await clock.advance(STALL_MS / 2);
      await closing;
      await expect(stuck.result).rejects.toBeInstanceOf(ClientClosedError);
      await expect(queued.result).rejects.toBeInstanceOf(ClientClosedError);
      late?.(99); // the abandoned fn answers late: dropped
      await clock.advance(STALL_MS * 2);
      expect(k.state).toMatchObject({ reads: 1, writes: 0, value: 1 });
      expect(clock.pending).toBe(0);
      expect(unhandled).toEqual([]);
    });
  });

  it('an abandoned async fn that rejects later leaves no unhandled rejection', async () => {
    await collectingUnhandled(async (unhandled) => {
      const clock = new ManualClock();
      const k = scriptedIO(1);
      let fail: ((e: Error) => void) | undefined;
      const a = waiter(() => new Promise<number>((_r, reject) => (fail = reject)), {
        deadlineMs: 100,
      });
      const { ends } = startBatch(k.io, [a], clock);
      await clock.advance(100);
      await expect(a.result).rejects.toBeInstanceOf(RetryExhaustedError);
      fail?.(new Error('late'));
      await settle();
      expect(ends).toEqual([true]);
      expect(unhandled).toEqual([]);
    });
  });
});

describe('Batch (review 3): a throw inside the chain’s promise callbacks', () => {
  const defaults = resolveRetryOptions({ policy: none(), random: () => 0.5, deadlineMs: 10_000 });

  // Telemetry is the client's UpdateTracker: it records on the caller's
  // MeterProvider and ends spans on the caller's TracerProvider, and a span
  // processor that throws in onEnd throws out of span.end() (the OTel SDK's
  // MultiSpanProcessor does not catch). In a870bdd writeApplied() ran inside
  // the read's (or the async fn's) then-callback, outside any try: its
  // expire() throwing left a rejected promise nobody handled and never called
  // ended(), so the batch's other calls never settled and onDone never ran;
  // with combining on, every later update() of that key in this client queued
  // behind it forever. Now a call's telemetry cannot throw into the batch, and
  // writeApplied() ends the attempt on a throw all the same.
  it('a telemetry throw while writeApplied() expires a call (its deadline passed in a synchronous fn) still ends the batch: the other call settles, onDone runs, the key serves later calls, no unhandled rejection', async () => {
    await collectingUnhandled(async (unhandled) => {
      const { clock, jump } = jumpingClock();
      const telemetry = throwingOnceTelemetry(new Error('span processor failed'));
      const updater = new Updater(defaults, true, clock, telemetry);
      const k = scriptedIO(1);
      // a and b form one batch; a's fn takes 150 ms of its 100 ms deadline.
      startUpdate(
        updater,
        k.io,
        (n) => {
          jump(150);
          return n! + 1;
        },
        { deadlineMs: 100 },
      );
      const b = startUpdate(updater, k.io, (n) => n! * 10);
      await settle();
      await settle();
      // (a's own promise never settles: UpdateCall.reject() calls telemetry
      // before fail(), which is older than a870bdd and not what is tested here.)
      expect(b.done()).toBe(true); // before a870bdd: rejected with the telemetry error
      const c = startUpdate(updater, k.io, (n) => n! + 5);
      await settle();
      await settle();
      expect(c.done()).toBe(true);
      expect(unhandled).toEqual([]);
    });
  });

  // The same at the Batch level, without the combiner (a870bdd never called onDone here).
  it('(Batch level) the same throw: the batch still calls onDone and the other call settles', async () => {
    await collectingUnhandled(async (unhandled) => {
      const { clock, jump } = jumpingClock();
      const telemetry = throwingOnceTelemetry(new Error('span processor failed'));
      const k = scriptedIO(1);
      const a = waiter(
        (n) => {
          jump(150);
          return n! + 1;
        },
        { deadlineMs: 100 },
        { telemetry },
      );
      const b = waiter((n) => n! * 10, {}, { telemetry });
      const { ends } = startBatch(k.io, [a, b], clock);
      await settle();
      expect(b.outcome).toBeDefined();
      expect(ends).toHaveLength(1);
      expect(unhandled).toEqual([]);
    });
  });

  // ended() takes `undefined` for "the attempt is over": a870bdd took a thrown
  // `undefined` caught in applyRead() (or written()) for success, and onDone
  // ran while a call was still live. Caught values are now wrapped.
  it('a thrown undefined in the chain is not taken for success: onDone runs only once every call has settled', async () => {
    await collectingUnhandled(async (unhandled) => {
      const { clock, jump } = jumpingClock();
      const telemetry = throwingOnceTelemetry(undefined);
      const k = scriptedIO(1, [], ['hold']);
      const a = waiter((n) => n! + 1, { deadlineMs: 100 }, { telemetry });
      const b = waiter((n) => n! * 10, {}, { telemetry });
      const { ends } = startBatch(k.io, [a, b], clock);
      await settle();
      jump(150); // a's deadline passes while the read is in flight
      k.release(); // begin() expires a: telemetry throws undefined
      await settle();
      expect(ends).toEqual([true]);
      expect(b.outcome).toBeDefined();
      expect(unhandled).toEqual([]);
    });
  });

  it('a telemetry throw (a span processor that fails) is swallowed: the call it reported on settles as it would have, the others go on, the batch ends', async () => {
    await collectingUnhandled(async (unhandled) => {
      const { clock, jump } = jumpingClock();
      const telemetry = throwingOnceTelemetry(new Error('span processor failed'));
      const k = scriptedIO(1, [], ['hold']);
      const a = waiter((n) => n! + 1, { deadlineMs: 100 }, { telemetry });
      const b = waiter((n) => n! * 10, {}, { telemetry });
      const { ends } = startBatch(k.io, [a, b], clock);
      await settle();
      jump(150);
      k.release();
      await settle();
      expect(telemetry.throws).toBeGreaterThan(0);
      expect(a.outcome).toMatchObject({ status: 'rejected' });
      expect(a.outcome?.value).toBeInstanceOf(RetryExhaustedError);
      expect(b.outcome).toMatchObject({ status: 'fulfilled', value: { value: 10 } });
      expect(ends).toEqual([true]);
      expect(k.state.writes).toBe(1);
      expect(unhandled).toEqual([]);
    });
  });
});
