import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/backend/index.js';

const put = (store: MemoryStore, key: string, value: string, ttl = 0) =>
  store.store({ mode: 'set', key, value: Buffer.from(value), flags: 0, ttl, cas: 0n });

describe('MemoryStore', () => {
  it('expires an item when the injected clock passes its TTL', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await put(store, 'k', 'v', 10);
    now += 9_999;
    expect(await store.get('k')).toBeDefined();
    now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('evicts the least recently used items past maxBytes', async () => {
    const store = new MemoryStore({ maxBytes: 3 * (1 + 100 + 63) });
    for (const k of ['a', 'b', 'c']) await put(store, k, 'x'.repeat(100));
    await store.get('a'); // a is now the most recently used
    await put(store, 'd', 'x'.repeat(100));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(await store.get('d')).toBeDefined();
  });

  it('gives every write a new, larger CAS token', async () => {
    const store = new MemoryStore();
    const a = await put(store, 'k', '1');
    const b = await put(store, 'k', '1');
    expect(b.cas).toBeGreaterThan(a.cas);
  });
});
