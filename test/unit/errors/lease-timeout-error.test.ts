import { describe, expect, it } from 'vitest';
import {
  isLeaseTimeoutError,
  LeaseTimeoutError,
  MemcasError,
  TimeoutError,
} from '../../../src/errors/index.js';

describe('LeaseTimeoutError', () => {
  it('names the key, the wait and the way out, with code LEASE_TIMEOUT, retryable', () => {
    const e = new LeaseTimeoutError('user:1', 5012.4, 37);
    expect(e).toBeInstanceOf(MemcasError);
    expect(e).toMatchObject({
      name: 'LeaseTimeoutError',
      code: 'LEASE_TIMEOUT',
      retryable: true,
      key: 'user:1',
      waitedMs: 5012.4,
      attempts: 37,
    });
    expect(e.message).toContain('"user:1"');
    expect(e.message).toContain('5012 ms');
    expect(e.message).toContain("onWaitTimeout: 'compute'");
    expect(isLeaseTimeoutError(e)).toBe(true);
    expect(isLeaseTimeoutError(new TimeoutError('h:1', 'x'))).toBe(false);
  });
});
