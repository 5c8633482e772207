import { afterEach, describe, expect, it } from 'vitest';
import { none } from '../../../src/backoff/index.js';
import { createClient, type Client } from '../../../src/index.js';
import {
  abort,
  Combiner,
  resolveRetryOptions,
  Updater,
  type BatchRunner,
  type UpdateCall,
  type UpdateFn,
  type UpdateIO,
  type UpdateResult,
  type WriteOutcome,
} from '../../../src/txn/index.js';
import type { CasToken } from '../../../src/cluster/index.js';
import { jsonCodec } from '../../../src/codec/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { sinkIO, type PromiseIO } from '../../helpers/promise-io.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

// ---------------------------------------------------------------- Combiner

const tag = (id: string) => ({ id }) as unknown as UpdateCall<unknown>;
const ioOf = (key: string) => ({ key }) as unknown as UpdateIO<unknown>;
const idOf = (c: UpdateCall<unknown>): string => (c as unknown as { id: string }).id;

interface Run {
  readonly group: string;
  readonly io: UpdateIO<unknown>;
  readonly ids: string[];
  readonly stall: () => void;
  readonly finish: () => void;
}

function fakeRunner(clock = new ManualClock()) {
  const runs: Run[] = [];
  const runner: BatchRunner = (batchIO, calls, onStall, onDone) => {
    runs.push({
      group: (batchIO as unknown as { key: string }).key,
      io: batchIO as UpdateIO<unknown>,
      ids: (calls as ReadonlyArray<UpdateCall<unknown>>).map(idOf),
      stall: onStall,
      finish: onDone,
    });
  };
  return { combiner: new Combiner(runner, clock), runs, clock };
}

describe('Combiner (review 2): idle queues kept, swept, reused', () => {
  it('a sweep of idle queues keeps a running queue and the calls waiting on it', async () => {
    const { combiner, runs } = fakeRunner();
    combiner.submit('hot', ioOf('hot'), tag('a'));
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a']]);
    combiner.submit('hot', ioOf('hot'), tag('b')); // waits behind a
    // 1100 other groups run and go idle: the map passes the sweep threshold.
    for (let i = 0; i < 1100; i++) combiner.submit(`k${i}`, ioOf(`k${i}`), tag(`c${i}`));
    await settle();
    for (const r of runs.slice(1)) r.finish();
    // A new group sweeps: 'hot' must survive (running, b waiting).
    combiner.submit('fresh', ioOf('fresh'), tag('f'));
    combiner.submit('hot', ioOf('hot'), tag('c')); // joins b, does not start a parallel batch
    await settle();
    const hotRuns = runs.filter((r) => r.group === 'hot');
    expect(hotRuns.map((r) => r.ids)).toEqual([['a']]);
    hotRuns[0]!.finish();
    await settle();
    expect(runs.filter((r) => r.group === 'hot').map((r) => r.ids)).toEqual([['a'], ['b', 'c']]);
  });

  it('an idle queue reused after a sweep-free stretch runs with the io of the call that restarts it', async () => {
    const { combiner, runs } = fakeRunner();
    const first = ioOf('k');
    const second = ioOf('k');
    combiner.submit('k', first, tag('a'));
    await settle();
    runs[0]!.finish();
    combiner.submit('k', second, tag('b'));
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a'], ['b']]);
    expect(runs[1]!.io).toBe(second);
  });

  it('a waiting call aborted, then the queue idle and reused: the old listener is gone and the new batch is clean', async () => {
    const clock = new ManualClock();
    const { combiner, runs } = fakeRunner(clock);
    const rejected: unknown[] = [];
    const ctl = new AbortController();
    const waiting = {
      id: 'w',
      signal: ctl.signal,
      deadline: 50,
      started: 0,
      unwatch: undefined,
      reject: (e: unknown) => rejected.push(e),
    } as unknown as UpdateCall<unknown>;
    combiner.submit('k', ioOf('k'), tag('a'));
    await settle();
    combiner.submit('k', ioOf('k'), waiting);
    ctl.abort(new Error('gone'));
    expect(rejected).toHaveLength(1);
    runs[0]!.finish(); // nothing waits: idle, its deadline timer cancelled
    expect(clock.pending).toBe(0);
    combiner.submit('k', ioOf('k'), tag('b'));
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a'], ['b']]);
    await clock.advance(100);
    expect(rejected).toHaveLength(1);
  });

  it('a runner that reports done synchronously (every call aborted before it began) lets the queue idle and restart', async () => {
    const runs: string[][] = [];
    let syncDone = true;
    const combiner: Combiner = new Combiner((_io, calls, _stall, onDone) => {
      runs.push((calls as ReadonlyArray<UpdateCall<unknown>>).map(idOf));
      if (syncDone) onDone();
    }, new ManualClock());
    combiner.submit('k', ioOf('k'), tag('a'));
    await settle();
    syncDone = false;
    combiner.submit('k', ioOf('k'), tag('b'));
    await settle();
    expect(runs).toEqual([['a'], ['b']]);
  });

  it('after a stall the old queue ending later does not disturb the new queue of its group', async () => {
    const { combiner, runs } = fakeRunner();
    combiner.submit('k', ioOf('k'), tag('a'));
    await settle();
    combiner.submit('k', ioOf('k'), tag('b'));
    runs[0]!.stall();
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a'], ['b']]);
    combiner.submit('k', ioOf('k'), tag('c')); // waits behind b (the new queue)
    runs[0]!.finish(); // the stalled batch ends: its (detached) queue idles
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a'], ['b']]);
    runs[1]!.finish();
    await settle();
    expect(runs.map((r) => r.ids)).toEqual([['a'], ['b'], ['c']]);
  });
});

// ---------------------------------------------------------------- Updater + Batch

const tokenOf = (cas: number) => ({ value: BigInt(cas) }) as unknown as CasToken;

/** A key in memory whose writes wait until released, and may be told to conflict. */
function heldIO(initial: number) {
  const state = { value: initial, cas: 1, reads: 0, writes: 0 };
  const pending: Array<() => void> = [];
  let conflictNext = false;
  const io: PromiseIO<number> = {
    key: 'k',
    read: () => {
      state.reads++;
      return Promise.resolve({ value: state.value, present: true, token: tokenOf(state.cas) });
    },
    encode: (v) => Buffer.from(JSON.stringify(v)),
    write: (_s, bytes) => {
      state.writes++;
      return new Promise<WriteOutcome>((resolve) => {
        pending.push(() => {
          if (conflictNext) {
            conflictNext = false;
            state.value += 100;
            state.cas++;
            resolve({ kind: 'cas' });
            return;
          }
          state.value = JSON.parse((bytes as Buffer).toString()) as number;
          state.cas++;
          resolve({ kind: 'stored', cas: tokenOf(state.cas) });
        });
      });
    },
  };
  return {
    io,
    state,
    answer: () => pending.shift()?.(),
    conflictOnce: () => (conflictNext = true),
    get waiting() {
      return pending.length;
    },
  };
}

function start(
  updater: Updater,
  io: PromiseIO<number>,
  fn: UpdateFn<number>,
  signal?: AbortSignal,
): Promise<UpdateResult<number>> {
  const retry = updater.retryOptions({});
  const p = updater.run(sinkIO(io), 'k', { flags: 0 } as never, 0, fn, { signal }, retry);
  p.catch(() => undefined);
  return p;
}

const CODEC = { flags: 0 } as never;
function startC(
  updater: Updater,
  io: PromiseIO<number>,
  fn: UpdateFn<number>,
  signal?: AbortSignal,
): Promise<UpdateResult<number>> {
  const p = updater.run(sinkIO(io), 'k', CODEC, 0, fn, { signal }, updater.retryOptions({}));
  p.catch(() => undefined);
  return p;
}

describe('Batch (review 2): held and deferred settlements', () => {
  const defaults = resolveRetryOptions({ policy: none(), random: () => 0.5 });

  it('a call aborted while its write is on the wire settles with the write: stored resolves it', async () => {
    const clock = new ManualClock();
    const updater = new Updater(defaults, true, clock);
    const k = heldIO(1);
    const ctl = new AbortController();
    const p = start(updater, k.io, (n) => n! + 1, ctl.signal);
    await settle();
    expect(k.waiting).toBe(1);
    ctl.abort(new Error('late'));
    k.answer();
    await expect(p).resolves.toMatchObject({ outcome: 'updated', value: 2 });
  });

  it('a call aborted while its write is on the wire, the write conflicting, rejects with its reason and is not retried', async () => {
    const clock = new ManualClock();
    const updater = new Updater(defaults, true, clock);
    const k = heldIO(1);
    const ctl = new AbortController();
    const p = start(updater, k.io, (n) => n! + 1, ctl.signal);
    await settle();
    ctl.abort(new Error('late'));
    k.conflictOnce();
    k.answer();
    await expect(p).rejects.toThrow('late');
    await settle();
    expect(k.state).toMatchObject({ reads: 1, writes: 1 });
  });

  it('an abort decided on an earlier call’s change is re-decided after a conflict, on the fresh value', async () => {
    const clock = new ManualClock();
    const updater = new Updater(defaults, true, clock);
    const k = heldIO(1);
    // a runs first alone; b and c wait and form one batch: b applies, c aborts (deferred).
    const blocker = startC(updater, k.io, (n) => n! + 1);
    await settle();
    const seen: number[] = [];
    const b = startC(updater, k.io, (n) => n! + 1);
    const c = startC(updater, k.io, (n) => {
      seen.push(n!);
      return n! > 100 ? abort('big') : n! * 10;
    });
    k.answer(); // blocker stored: value 2
    await blocker;
    await settle();
    k.conflictOnce(); // b+c's write conflicts: value 102
    k.answer();
    await settle();
    k.answer();
    await settle();
    expect(seen).toEqual([3, 103]);
    await expect(b).resolves.toMatchObject({ outcome: 'updated', value: 103, attempts: 2 });
    await expect(c).resolves.toMatchObject({ outcome: 'aborted', result: 'big', attempts: 2 });
    expect(k.state.value).toBe(103);
  });
});

// ---------------------------------------------------------------- Client.update arguments

describe('Client.update (review 2): never throws synchronously', () => {
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const open = (): Client => {
    const c = createClient();
    clients.push(c);
    return c;
  };

  it.each([
    ['an invalid key', (c: Client) => c.update('has space', () => 1), 'InvalidKeyError'],
    ['an empty key', (c: Client) => c.update('', () => 1), 'InvalidKeyError'],
    ['fn not a function', (c: Client) => c.update('k', 5 as never), 'InvalidArgumentError'],
    [
      'a bad signal',
      (c: Client) => c.update('k', () => 1, { signal: {} as AbortSignal }),
      'InvalidArgumentError',
    ],
    ['a bad ttl', (c: Client) => c.update('k', () => 1, { ttlSeconds: -5 }), undefined],
    ['a bad maxAttempts', (c: Client) => c.update('k', () => 1, { maxAttempts: 0 }), undefined],
    ['null options', (c: Client) => c.update('k', () => 1, null as never), undefined],
  ])('%s rejects, never throws', async (_name, call, errorName) => {
    const c = open();
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = call(c);
    }).not.toThrow();
    expect(p).toBeInstanceOf(Promise);
    const err = await (p as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    if (errorName !== undefined) expect((err as Error).name).toBe(errorName);
  });

  it('after close() it rejects with ClientClosedError, never throws', async () => {
    const c = open();
    const closing = c.close();
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = c.update('k', () => 1);
    }).not.toThrow();
    await expect(p).rejects.toMatchObject({ name: 'ClientClosedError' });
    await closing;
  });

  it('a signal already aborted rejects with its reason, and the key is untouched', async () => {
    const c = open();
    const ctl = new AbortController();
    ctl.abort(new Error('before'));
    await expect(c.update('k', () => 1, { signal: ctl.signal })).rejects.toThrow('before');
    await expect(c.get('k')).resolves.toBeUndefined();
    // The key's queue idled and is reused by the next call.
    await expect(c.update<number>('k', () => 1)).resolves.toMatchObject({ outcome: 'created' });
  });

  it('two codecs and two TTLs on one key form separate groups, and all land', async () => {
    const c = open();
    const other = jsonCodec<number>();
    const ops = [
      c.update<number>('k', (n) => (n ?? 0) + 1),
      c.update<number>('k', (n) => (n ?? 0) + 1, { ttlSeconds: 60 }),
      c.update<number>('k', (n) => (n ?? 0) + 1, { codec: other }),
      c.update<number>('k', (n) => (n ?? 0) + 1),
    ];
    await Promise.all(ops);
    await expect(c.get('k')).resolves.toBe(4);
  });

  it('more keys than the sweep threshold, with contention on one, lose no update', async () => {
    const c = open();
    const hot: Array<Promise<unknown>> = [];
    for (let round = 0; round < 3; round++) {
      const cold = Array.from({ length: 700 }, (_, i) =>
        c.update<number>(`cold-${round}-${i}`, () => i),
      );
      for (let j = 0; j < 20; j++) hot.push(c.update<number>('hot', (n) => (n ?? 0) + 1));
      await Promise.all(cold);
    }
    await Promise.all(hot);
    await expect(c.get('hot')).resolves.toBe(60);
  });
});

// ---------------------------------------------------------------- telemetry on the embedded store

describe('telemetry (review 2): embedded store', () => {
  it('a getMany is a BATCH get sized by its keys; one key is a get', async () => {
    const otel = new InMemoryOtel();
    const c = createClient({
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
      traceOperations: true,
    });
    try {
      await c.getMany(['a', 'b', 'c']);
      await c.getMany(['a']);
      const spans = otel.spans().map((s) => [s.name, s.attributes['db.operation.batch.size']]);
      expect(spans).toEqual([
        ['BATCH get memcached', 3],
        ['get memcached', undefined],
      ]);
    } finally {
      await c.close();
      await otel.shutdown();
    }
  });

  it('an update span and duration are recorded with a given provider', async () => {
    const otel = new InMemoryOtel();
    const c = createClient({
      meterProvider: otel.meterProvider,
      tracerProvider: otel.tracerProvider,
    });
    try {
      await c.update<number>('k', () => 1);
      await expect(c.update('k', () => abort('x'))).resolves.toMatchObject({ outcome: 'aborted' });
      const spans = otel.spans().filter((s) => s.name === 'memcas update');
      expect(spans.map((s) => s.attributes['memcas.update.outcome'])).toEqual([
        'created',
        'aborted',
      ]);
      const summary = await otel.summary();
      expect(summary['memcas.update.duration']).toEqual({
        '{"memcas.update.outcome":"created"}': 1,
        '{"memcas.update.outcome":"aborted"}': 1,
      });
    } finally {
      await c.close();
      await otel.shutdown();
    }
  });

  it('an SDK registered globally after the client was made gets update spans and durations', async () => {
    const c = createClient();
    const otel = new InMemoryOtel();
    try {
      await c.update<number>('k', () => 1); // nothing records yet
      otel.registerGlobally();
      await c.update<number>('k', (n) => n! + 1);
      const spans = otel.spans().filter((s) => s.name === 'memcas update');
      expect(spans.map((s) => s.attributes['memcas.update.outcome'])).toEqual(['updated']);
      const summary = await otel.summary();
      expect(summary['memcas.update.duration']).toEqual({
        '{"memcas.update.outcome":"updated"}': 1,
      });
      expect(summary['memcas.update.outcomes']).toEqual({
        '{"memcas.update.outcome":"created"}': 1,
        '{"memcas.update.outcome":"updated"}': 1,
      });
    } finally {
      await c.close();
      InMemoryOtel.unregisterGlobals();
      await otel.shutdown();
    }
  });
});
