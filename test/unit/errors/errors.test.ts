import { describe, expect, it } from 'vitest';
import {
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
});
