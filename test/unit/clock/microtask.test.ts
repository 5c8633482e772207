import { describe, expect, it } from 'vitest';
import { afterMicrotasks } from '../../../src/clock/index.js';

describe('afterMicrotasks', () => {
  it('runs once the microtasks queued before it have run, before those queued after and before the next timer', async () => {
    const order: string[] = [];
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push('timer');
        resolve();
      }, 0),
    );
    queueMicrotask(() => order.push('queued before'));
    void Promise.resolve().then(() => order.push('reaction before'));
    afterMicrotasks(() => order.push('fn'));
    queueMicrotask(() => order.push('queued after'));
    expect(order).toEqual([]);
    await timer;
    expect(order).toEqual(['queued before', 'reaction before', 'fn', 'queued after', 'timer']);
  });

  it('does not run the function while the code that asked is still running', () => {
    let ran = false;
    afterMicrotasks(() => {
      ran = true;
    });
    expect(ran).toBe(false);
  });
});
