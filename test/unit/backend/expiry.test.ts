import { describe, expect, it } from 'vitest';
import { cappedTtl, RELATIVE_TTL_LIMIT_SECONDS } from '../../../src/backend/index.js';

describe('cappedTtl', () => {
  const now = 1_800_000_000_000; // ms
  const nowSeconds = now / 1000;

  it('caps never-expiring and longer relative TTLs, keeps shorter ones', () => {
    expect(cappedTtl(0, 60, now)).toBe(60);
    expect(cappedTtl(3600, 60, now)).toBe(60);
    expect(cappedTtl(60, 60, now)).toBe(60);
    expect(cappedTtl(5, 60, now)).toBe(5);
    expect(cappedTtl(RELATIVE_TTL_LIMIT_SECONDS, 60, now)).toBe(60);
  });

  it('compares an absolute Unix time by the seconds it has left', () => {
    expect(cappedTtl(nowSeconds + 3600, 60, now)).toBe(60);
    expect(cappedTtl(nowSeconds + 30, 60, now)).toBe(nowSeconds + 30);
    // Already past: memcached treats it as expired; capping must not revive it.
    expect(cappedTtl(nowSeconds - 10, 60, now)).toBe(nowSeconds - 10);
  });
});
