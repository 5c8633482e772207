import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../src/protocol/fifo.js';

describe('Fifo', () => {
  it('returns items in the order pushed, across compactions', () => {
    const q = new Fifo<number>();
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 !== 0) expect(q.shift()).toBe(next++);
    }
    expect(q.length).toBe(5000 - next);
    expect(q.peek()).toBe(next);
    expect(q.drain()).toEqual(Array.from({ length: 5000 - next }, (_, i) => next + i));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
