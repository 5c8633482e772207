import { afterEach, describe, expect, it } from 'vitest';
import { ensureMemcached, findMemcached } from '../../helpers/memcached-binary.js';

describe('finding memcached for the tests', () => {
  const saved = process.env.MEMCACHED_BIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.MEMCACHED_BIN;
    else process.env.MEMCACHED_BIN = saved;
  });

  it('a MEMCACHED_BIN that is not a program stops with the install commands, installing nothing', () => {
    process.env.MEMCACHED_BIN = '/nonexistent/memcached';
    expect(findMemcached()).toBeUndefined();
    expect(() => ensureMemcached(() => {})).toThrow(/not an executable file/);
    expect(() => ensureMemcached(() => {})).toThrow(/sudo apt-get install -y memcached/);
    expect(() => ensureMemcached(() => {})).toThrow(/brew install memcached/);
  });

  it('finds the installed memcached on PATH', () => {
    delete process.env.MEMCACHED_BIN;
    expect(findMemcached()).toMatch(/memcached$/);
  });
});
