import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_OPTIONS, resolveClientOptions } from '../../../src/client/index.js';

describe('resolveClientOptions', () => {
  it('fills in the documented defaults', () => {
    const o = resolveClientOptions();
    expect(o.timeoutMs).toBe(DEFAULT_CLIENT_OPTIONS.timeoutMs);
    expect(o.maxValueBytes).toBe(1024 * 1024);
    expect(o.servers).toEqual([]);
    expect(o.codec.flags).toBe(0);
    expect(o.cluster.fallbackTtlSeconds).toBe(60);
  });

  it('parses server strings, IPv6 and objects with weights', () => {
    const o = resolveClientOptions({
      servers: ['10.0.0.1:11212', 'cache', '[::1]:11213', { host: 'b', port: 1, weight: 3 }],
    });
    expect(o.servers.map((s) => s.address)).toEqual([
      '10.0.0.1:11212',
      'cache:11211',
      '[::1]:11213',
      'b:1',
    ]);
    expect(o.servers[3]?.weight).toBe(3);
  });

  it.each([
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ timeoutMs: Number.NaN }, /timeoutMs/],
    [{ maxValueBytes: 1.5 }, /maxValueBytes/],
    [{ servers: ['a:99999'] }, /servers\[0\]/],
    [{ servers: ['a:1', 'a:1'] }, /twice/],
    [{ servers: [{ host: 'a', weight: 0 }] }, /weight/],
    [{ keyPrefix: 'a b' }, /keyPrefix/],
    [{ codec: {} as never }, /codec/],
    [{ fallbackTtlSeconds: -1 }, /fallbackTtlSeconds/],
    [{ fallbackTtlSeconds: 0.5 }, /fallbackTtlSeconds/],
    [{ fallbackTtlSeconds: 60 * 60 * 24 * 30 + 1 }, /fallbackTtlSeconds/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    expect(() => resolveClientOptions(options)).toThrow(TypeError);
    expect(() => resolveClientOptions(options)).toThrow(message);
  });
});
