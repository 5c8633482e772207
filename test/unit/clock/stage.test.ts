import { describe, expect, it } from 'vitest';
import { Stage } from '../../../src/clock/index.js';

/** Resolves once every microtask queued so far, and those they queue, have run. */
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Stage', () => {
  it('runs the step for every item added before it runs, together, in the order added, once the microtasks queued before have run', async () => {
    const order: string[] = [];
    const stage = new Stage<string>((item) => order.push(item));
    void Promise.resolve().then(() => order.push('reaction before'));
    stage.add('a');
    void Promise.resolve().then(() => stage.add('b'));
    stage.add('c');
    void Promise.resolve().then(() => order.push('reaction after'));
    expect(order).toEqual([]);
    await macrotask();
    // 'b' was added by a reaction that ran after the stage: it waits for the next run.
    expect(order).toEqual(['reaction before', 'a', 'c', 'reaction after', 'b']);
  });

  it('runs an item added while it runs in a microtask of its own, not in the same run', async () => {
    const order: string[] = [];
    const stage: Stage<string> = new Stage<string>((item) => {
      order.push(item);
      if (item === 'first') {
        void Promise.resolve().then(() => order.push('reaction queued by the step'));
        stage.add('again');
      }
    });
    stage.add('first');
    await macrotask();
    expect(order).toEqual(['first', 'reaction queued by the step', 'again']);
  });

  it('runs the other items when one step throws, and surfaces the first error as an unhandled rejection', async () => {
    const ran: number[] = [];
    const seen: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      seen.push(reason);
    };
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onRejection);
    try {
      const stage = new Stage<number>((n) => {
        ran.push(n);
        if (n % 2 === 1) throw new Error(`step ${n}`);
      });
      for (let n = 0; n < 4; n++) stage.add(n);
      await macrotask();
      await macrotask();
    } finally {
      process.off('unhandledRejection', onRejection);
      for (const listener of listeners) process.on('unhandledRejection', listener);
    }
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe('step 1');
  });
});
