import { describe, expect, it } from 'vitest';
import {
  Combiner,
  type BatchRunner,
  type UpdateCall,
  type UpdateIO,
} from '../../../src/txn/index.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

const clock = new ManualClock();

/** The combiner never looks inside a call or an io: tagged stand-ins show which is which. */
const call = (id: string) => ({ id }) as unknown as UpdateCall<unknown>;
const io = (key: string) => ({ key }) as unknown as UpdateIO<unknown>;
const idOf = (c: UpdateCall<unknown>): string => (c as unknown as { id: string }).id;

/** A batch the fake runner was given, held open until the test finishes it. */
interface Run {
  readonly io: UpdateIO<unknown>;
  /** The array the runner was handed (kept as is, to catch later mutation). */
  readonly calls: ReadonlyArray<UpdateCall<unknown>>;
  readonly stall: () => void;
  readonly finish: () => void;
}

/** A runner that records every batch and settles each only when told. */
function fakeRunner() {
  const runs: Run[] = [];
  const runner: BatchRunner = (batchIO, calls, onStall, onDone) => {
    runs.push({
      io: batchIO as UpdateIO<unknown>,
      calls: calls as ReadonlyArray<UpdateCall<unknown>>,
      stall: onStall,
      finish: onDone,
    });
  };
  /** Each batch's call ids, in the order the batches started. */
  const batches = (): string[][] => runs.map((r) => r.calls.map(idOf));
  return { combiner: new Combiner(runner, clock), runs, batches };
}

describe('Combiner', () => {
  it('a burst of submits in one tick for one group forms one batch, in arrival order, started after the submitting code returns', async () => {
    const { combiner, runs, batches } = fakeRunner();
    const k = io('k');
    for (const id of ['a', 'b', 'c']) combiner.submit('k', k, call(id));
    expect(runs).toHaveLength(0);
    await settle();
    expect(batches()).toEqual([['a', 'b', 'c']]);
    expect(runs[0]?.io).toBe(k);
  });

  it('starts a batch once the queued microtasks have run, before the next tick: its read goes out in the flush the connection scheduled for that tick', async () => {
    const { combiner, batches } = fakeRunner();
    const order: string[] = [];
    // The connection's flush of the requests queued so far, scheduled before the call arrives.
    process.nextTick(() => order.push(`flush after ${batches().length} batch(es)`));
    await Promise.resolve().then(() => {
      combiner.submit('k', io('k'), call('a'));
      combiner.submit('k', io('k'), call('b'));
    });
    await settle();
    expect(order).toEqual(['flush after 1 batch(es)']);
    expect(batches()).toEqual([['a', 'b']]);
  });

  it('calls that arrive while a batch runs wait, then form the next batch in arrival order', async () => {
    const { combiner, runs, batches } = fakeRunner();
    const k = io('k');
    combiner.submit('k', k, call('a'));
    await settle();
    combiner.submit('k', k, call('b'));
    combiner.submit('k', k, call('c'));
    await settle();
    combiner.submit('k', k, call('d'));
    await settle();
    expect(batches()).toEqual([['a']]);

    runs[0]?.finish();
    await settle();
    expect(batches()).toEqual([['a'], ['b', 'c', 'd']]);
    expect(runs[1]?.io).toBe(k);

    combiner.submit('k', k, call('e'));
    runs[1]?.finish();
    await settle();
    expect(batches()).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('different groups batch and run independently: one group running does not hold back another', async () => {
    const { combiner, runs, batches } = fakeRunner();
    const k1 = io('k1');
    const k2 = io('k2');
    combiner.submit('k1', k1, call('a'));
    combiner.submit('k2', k2, call('x'));
    combiner.submit('k1', k1, call('b'));
    await settle();
    expect(batches()).toEqual([['a', 'b'], ['x']]);
    expect(runs.map((r) => r.io)).toEqual([k1, k2]);

    combiner.submit('k2', k2, call('y'));
    combiner.submit('k1', k1, call('c'));
    runs[1]?.finish(); // k2's batch ends; k1's first batch is still running
    await settle();
    expect(batches()).toEqual([['a', 'b'], ['x'], ['y']]);
    expect(runs[2]?.io).toBe(k2);

    runs[0]?.finish();
    await settle();
    expect(batches()).toEqual([['a', 'b'], ['x'], ['y'], ['c']]);
    expect(runs[3]?.io).toBe(k1);
  });

  it('when the runner reports a stall, the calls queued behind it start their own batch without waiting for the stalled one', async () => {
    const { combiner, runs, batches } = fakeRunner();
    const k = io('k');
    combiner.submit('k', k, call('stuck'));
    await settle();
    combiner.submit('k', k, call('b'));
    combiner.submit('k', k, call('c'));
    await settle();
    expect(batches()).toEqual([['stuck']]);

    runs[0]?.stall();
    await settle();
    expect(batches()).toEqual([['stuck'], ['b', 'c']]);

    // The stalled batch ending later starts nothing more: its turn was already given up.
    runs[0]?.finish();
    await settle();
    expect(batches()).toEqual([['stuck'], ['b', 'c']]);

    combiner.submit('k', k, call('d'));
    runs[1]?.finish();
    await settle();
    expect(batches()).toEqual([['stuck'], ['b', 'c'], ['d']]);
  });

  it('a stall with nothing queued ends the queue: a later submit starts a fresh batch while the stalled one still runs', async () => {
    const { combiner, runs, batches } = fakeRunner();
    const k = io('k');
    combiner.submit('k', k, call('stuck'));
    await settle();
    runs[0]?.stall();
    await settle();
    combiner.submit('k', k, call('b'));
    await settle();
    expect(batches()).toEqual([['stuck'], ['b']]);
  });

  it('once a group drains, its queue is gone: a later submit starts a new batch on the next tick, with its own io', async () => {
    const { combiner, runs, batches } = fakeRunner();
    combiner.submit('k', io('k'), call('a'));
    await settle();
    runs[0]?.finish();
    await settle();

    const again = io('k again');
    combiner.submit('k', again, call('b'));
    expect(runs).toHaveLength(1);
    await settle();
    expect(batches()).toEqual([['a'], ['b']]);
    expect(runs[1]?.io).toBe(again);
  });

  it('a batch keeps the calls it was given: later submits never join an array a runner already holds', async () => {
    const { combiner, runs } = fakeRunner();
    const k = io('k');
    combiner.submit('k', k, call('a'));
    await settle();
    const first = runs[0]?.calls;
    combiner.submit('k', k, call('b'));
    await settle();
    expect(first?.map(idOf)).toEqual(['a']);
  });
});
