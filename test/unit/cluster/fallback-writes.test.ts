import { describe, expect, it } from 'vitest';
import { FallbackWrites } from '../../../src/cluster/fallback-writes.js';

describe('FallbackWrites', () => {
  it('hands back the keys written for an owner once, and forgets the oldest past the limit', () => {
    const w = new FallbackWrites<string>(2);
    w.note('a:1', 'k1', 'b:1');
    w.note('a:1', 'k2', 'c:1');
    w.note('a:1', 'k3', 'b:1');
    w.note('x:1', 'k9', 'b:1');
    expect([...w.take('a:1')]).toEqual([
      ['k2', 'c:1'],
      ['k3', 'b:1'],
    ]);
    expect(w.take('a:1').size).toBe(0);
    expect([...w.take('x:1').keys()]).toEqual(['k9']);
  });
});
