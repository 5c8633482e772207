import { describe, expect, it } from 'vitest';
import {
  DiscoveryError,
  isDiscoveryError,
  IndeterminateWriteError,
  isIndeterminateWriteError,
  isMemcasError,
  isTimeoutError,
  MemcasError,
  TimeoutError,
} from '../../../src/errors/index.js';

describe('errors', () => {
  it('carry name, code, retryable and cause', () => {
    const cause = new Error('socket reset');
    const e = new IndeterminateWriteError('h:1', 'k', 'lost', { cause });
    expect(e).toBeInstanceOf(MemcasError);
    expect(e.name).toBe('IndeterminateWriteError');
    expect(e.code).toBe('INDETERMINATE_WRITE');
    expect(e.retryable).toBe(false);
    expect(e.cause).toBe(cause);
  });

  it('guards recognise errors by code, even from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { code: 'TIMEOUT', retryable: true });
    expect(isTimeoutError(foreign)).toBe(true);
    expect(isTimeoutError(new TimeoutError('h:1', 'x'))).toBe(true);
    expect(isIndeterminateWriteError(foreign)).toBe(false);
    expect(isMemcasError({ code: 'TIMEOUT' })).toBe(false);
  });

  it('DiscoveryError names the endpoint and why, with code DISCOVERY_FAILED, retryable', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new DiscoveryError('cfg:11211', 'unreachable', 'could not be asked', { cause });
    expect(e).toBeInstanceOf(MemcasError);
    expect(e).toMatchObject({ name: 'DiscoveryError', code: 'DISCOVERY_FAILED', retryable: true });
    expect(e).toMatchObject({ endpoint: 'cfg:11211', reason: 'unreachable', cause });
    expect(isDiscoveryError(e)).toBe(true);
    expect(isDiscoveryError(new TimeoutError('h:1', 'x'))).toBe(false);
  });
});
