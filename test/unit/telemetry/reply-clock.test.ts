import { describe, expect, it, vi } from 'vitest';
import { replyTime } from '../../../src/telemetry/reply-clock.js';

describe('replyTime', () => {
  it('reads the clock once for every reply settled in one synchronous run', () => {
    const now = vi.spyOn(performance, 'now');
    try {
      const first = replyTime();
      expect([replyTime(), replyTime()]).toEqual([first, first]);
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      now.mockRestore();
    }
  });

  it('reads it again in the continuations of what it settled', async () => {
    let t = 1000;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => t);
    try {
      const settled = replyTime();
      // A continuation of the settled operation starts a new one, which ends later.
      const later = await Promise.resolve().then(() => {
        t = 2000;
        return replyTime();
      });
      expect([settled, later]).toEqual([1000, 2000]);
    } finally {
      now.mockRestore();
    }
  });
});
