import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/backend/index.js';
import { FallbackBackend } from '../../../src/cluster/fallback-backend.js';

describe('FallbackBackend', () => {
  let clock = 1_800_000_000_000;
  const now = (): number => clock;
  const store = new MemoryStore({ now });
  const fallback = new FallbackBackend(store, 60, now);
  const value = Buffer.from('"v"');
  const write = (key: string, ttl: number) =>
    fallback.store({ mode: 'set', key, value, flags: 0, ttl, cas: 0n });

  it('caps every TTL written through it, and none written to the node directly', async () => {
    await write('forever', 0);
    await write('long', 3600);
    await write('short', 10);
    await write('absolute', clock / 1000 + 3600);
    await store.store({ mode: 'set', key: 'direct', value, flags: 0, ttl: 0, cas: 0n });
    await fallback.incr({ key: 'counter', delta: 1n, initial: 5n, ttl: 0 });
    await store.store({ mode: 'set', key: 'touched', value, flags: 0, ttl: 0, cas: 0n });
    expect(await fallback.touch('touched', 0)).toBe(true);

    clock += 11_000;
    expect(await fallback.get('short')).toBeUndefined();
    expect(await fallback.get('forever')).toBeDefined();

    clock += 50_000; // 61 s in
    const left = await fallback.getMany(['forever', 'long', 'absolute', 'counter', 'touched']);
    expect(left).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(await store.get('direct')).toBeDefined();
  });

  it('passes reads, deletes and node commands through to the same node', async () => {
    expect(fallback.address).toBe(store.address);
    await write('d', 0);
    const item = await fallback.get('d');
    expect(await fallback.delete('d', item!.cas)).toBe('deleted');
    await fallback.noop();
    expect(typeof (await fallback.version())).toBe('string');
  });
});
