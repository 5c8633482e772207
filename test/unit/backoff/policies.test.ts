import { describe, expect, it } from 'vitest';
import {
  constant,
  decorrelatedJitter,
  equalJitter,
  exponential,
  fullJitter,
  linear,
  none,
  type BackoffPolicy,
} from '../../../src/backoff/index.js';

/** A seeded PRNG (mulberry32) so every run sees the same "random" numbers. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function delays(policy: BackoffPolicy, n: number, random: () => number = seeded(1)): number[] {
  const out: number[] = [];
  let previousDelayMs = 0;
  for (let attempt = 1; attempt <= n; attempt++) {
    previousDelayMs = policy.delay({ attempt, previousDelayMs, random });
    out.push(previousDelayMs);
  }
  return out;
}

const zero = (): number => 0;
const almostOne = (): number => 0.999999;

describe('backoff policies', () => {
  it('none never waits', () => {
    expect(delays(none(), 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('constant waits the same every time', () => {
    expect(delays(constant({ delayMs: 7 }), 3)).toEqual([7, 7, 7]);
  });

  it('linear grows by a step up to the cap', () => {
    expect(delays(linear({ baseMs: 5, stepMs: 10, capMs: 30 }), 5)).toEqual([5, 15, 25, 30, 30]);
  });

  it('exponential doubles from the base up to the cap', () => {
    expect(delays(exponential({ baseMs: 2, capMs: 20 }), 6)).toEqual([2, 4, 8, 16, 20, 20]);
    expect(delays(exponential({ baseMs: 1, factor: 3, capMs: 100 }), 5)).toEqual([1, 3, 9, 27, 81]);
  });

  it('full jitter is random(0, min(cap, base*2^n)): 0 at the low end, the envelope at the high end', () => {
    const p = fullJitter({ baseMs: 2, capMs: 100 });
    expect(delays(p, 4, zero)).toEqual([0, 0, 0, 0]);
    expect(delays(p, 8, almostOne).map(Math.round)).toEqual([2, 4, 8, 16, 32, 64, 100, 100]);
  });

  it('equal jitter is half the envelope plus a random half', () => {
    const p = equalJitter({ baseMs: 2, capMs: 100 });
    expect(delays(p, 5, zero)).toEqual([1, 2, 4, 8, 16]);
    expect(delays(p, 5, almostOne).map(Math.round)).toEqual([2, 4, 8, 16, 32]);
  });

  it('decorrelated jitter is min(cap, random(base, previous*3))', () => {
    const p = decorrelatedJitter({ baseMs: 2, capMs: 100 });
    expect(delays(p, 3, zero)).toEqual([2, 2, 2]);
    // with random at the top, each delay triples the last, up to the cap
    expect(delays(p, 6, almostOne).map(Math.round)).toEqual([6, 18, 54, 100, 100, 100]);
  });

  it.each([
    ['none', none()],
    ['constant', constant({ delayMs: 50 })],
    ['linear', linear()],
    ['exponential', exponential()],
    ['fullJitter', fullJitter()],
    ['equalJitter', equalJitter()],
    ['decorrelatedJitter', decorrelatedJitter()],
  ])(
    '%s never yields NaN, a negative delay or one above its cap over 10,000 attempts',
    (_, policy) => {
      const all = delays(policy, 10_000, seeded(42));
      for (const d of all) {
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(250);
      }
    },
  );

  it('jittered delays actually spread: 1,000 draws at attempt 5 take many distinct values', () => {
    const random = seeded(7);
    const p = fullJitter({ baseMs: 2, capMs: 250 });
    const draws = Array.from({ length: 1000 }, () =>
      Math.round(p.delay({ attempt: 5, previousDelayMs: 0, random })),
    );
    expect(new Set(draws).size).toBeGreaterThan(25);
  });

  it('policies are immutable values', () => {
    const p = exponential();
    expect(Object.isFrozen(p)).toBe(true);
  });

  it.each([
    [() => constant({ delayMs: -1 }), /delayMs/],
    [() => linear({ capMs: 1, baseMs: 5 }), /capMs/],
    [() => exponential({ factor: 0.5 }), /factor/],
    [() => fullJitter({ baseMs: Number.NaN }), /baseMs/],
    [() => decorrelatedJitter({ capMs: Infinity }), /capMs/],
  ])('bad options are a TypeError naming the option (%#)', (make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});

describe('policyByName', () => {
  it('gives every built-in policy by name', async () => {
    const { policyByName, BACKOFF_POLICIES } = await import('../../../src/backoff/index.js');
    for (const name of Object.keys(BACKOFF_POLICIES)) expect(policyByName(name).name).toBe(name);
    expect(() => policyByName('fibonacci')).toThrow(/choose one of none, constant/);
  });
});
