import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_BUDGET,
  RetryBudget,
  resolveRetryBudget,
  unlimitedRetries,
} from '../../../src/backoff/index.js';
import { InvalidArgumentError } from '../../../src/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const budget = (ratio: number, minPerSecond: number, windowMs = 10_000) => {
  const clock = new ManualClock();
  return { clock, gate: new RetryBudget({ ratio, minPerSecond, windowMs }, clock) };
};

const retriesAllowed = (gate: RetryBudget, max = 10_000): number => {
  let n = 0;
  while (n < max && gate.tryRetry()) n++;
  return n;
};

describe('RetryBudget', () => {
  it('allows the floor (minPerSecond × window) with no traffic at all', () => {
    const { gate } = budget(0.2, 10);
    expect(retriesAllowed(gate)).toBe(100);
  });

  it('adds ratio × first attempts in the window to the floor', () => {
    const { gate } = budget(0.2, 0);
    for (let i = 0; i < 1000; i++) gate.recordRequest();
    expect(retriesAllowed(gate)).toBe(200);
  });

  it('refills as spent retries leave the window', async () => {
    const { clock, gate } = budget(0, 1, 10_000); // 10 retries per 10 s window
    expect(retriesAllowed(gate)).toBe(10);
    expect(gate.tryRetry()).toBe(false);
    await clock.advance(5_000);
    expect(gate.tryRetry()).toBe(false); // the retries are still in the window
    await clock.advance(5_000);
    expect(retriesAllowed(gate)).toBe(10);
  });

  it('forgets requests that left the window too', async () => {
    const { clock, gate } = budget(1, 0, 1_000);
    for (let i = 0; i < 50; i++) gate.recordRequest();
    await clock.advance(1_000);
    expect(gate.tryRetry()).toBe(false);
  });

  it('slides one slot at a time: half a window later half the requests still count', async () => {
    const { clock, gate } = budget(1, 0, 1_000);
    for (let i = 0; i < 10; i++) gate.recordRequest();
    await clock.advance(500);
    for (let i = 0; i < 10; i++) gate.recordRequest();
    await clock.advance(500); // the first ten leave, the second ten stay
    expect(gate.available()).toBe(10);
  });

  it('a long silence empties the window without looping over it', async () => {
    const { clock, gate } = budget(0, 1, 10_000);
    retriesAllowed(gate);
    await clock.advance(1e12);
    expect(gate.available()).toBe(10);
  });
});

describe('resolveRetryBudget', () => {
  it('is off unless asked for, and true means the defaults', () => {
    expect(resolveRetryBudget(undefined)).toBeUndefined();
    expect(resolveRetryBudget(false)).toBeUndefined();
    expect(resolveRetryBudget(true)).toEqual(DEFAULT_RETRY_BUDGET);
    expect(resolveRetryBudget({ ratio: 0.5 })).toEqual({ ...DEFAULT_RETRY_BUDGET, ratio: 0.5 });
  });

  it.each([
    ['a number', 3],
    ['an unknown field', { ration: 0.2 }],
    ['a negative ratio', { ratio: -1 }],
    ['NaN minPerSecond', { minPerSecond: Number.NaN }],
    ['a zero window', { windowMs: 0 }],
  ])('refuses %s', (_, value) => {
    expect(() => resolveRetryBudget(value as never)).toThrow(InvalidArgumentError);
  });

  it('the off gate always allows', () => {
    unlimitedRetries.recordRequest();
    expect(unlimitedRetries.tryRetry()).toBe(true);
  });
});
