import { describe, expect, it } from 'vitest';
import { UnsupportedOperationError } from '../../../src/errors/index.js';
import { fencingToken } from '../../../src/lock/index.js';
import { startedSeconds } from '../../../src/lock/fencing-token.js';

describe('fencing tokens', () => {
  it('carry the node start time above the CAS number, so a restart (CAS from 1 again) still gives larger tokens', () => {
    const before = fencingToken(1_700_000_000n, 987_654n);
    const afterRestart = fencingToken(1_700_000_005n, 1n);
    expect(afterRestart).toBeGreaterThan(before);
    expect(fencingToken(1_700_000_000n, 987_655n)).toBeGreaterThan(before);
    // The CAS part is the whole 64 bits.
    expect(fencingToken(1n, 0xffff_ffff_ffff_ffffn)).toBeLessThan(fencingToken(2n, 0n));
  });

  it('read the start time from stats as time - uptime', () => {
    expect(startedSeconds({ time: '1700000100', uptime: '100' }, 'h:1')).toBe(1_700_000_000n);
  });

  it('refuse a node whose stats lack a start time (a proxy): fail closed', () => {
    expect(() => startedSeconds({ curr_items: '1' }, 'proxy:1')).toThrow(UnsupportedOperationError);
  });
});
