import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CasToken,
  ClientClosedError,
  CodecError,
  InvalidKeyError,
  isCodecError,
  isInvalidArgumentError,
  NonNumericValueError,
  rawCodec,
  stringCodec,
  UnsupportedOperationError,
  ValueTooLargeError,
} from '../../src/index.js';
import { useContractClients, type ClientFactory, type ContractLimits } from './contract-clients.js';

/**
 * Every operation and edge case of the public API, run against one backend.
 * The embedded store and real memcached both run it, so they cannot drift apart.
 */
export function describeClientContract(
  name: string,
  factory: () => ClientFactory,
  limits: ContractLimits = {},
): void {
  describe(`client contract: ${name}`, () => {
    const clients = useContractClients(factory);

    it('get of a missing key resolves undefined', async () => {
      expect(await clients.client.get('nope')).toBeUndefined();
      expect(await clients.client.gets('nope')).toBeUndefined();
    });

    it('set then get returns the JSON value, and set resolves with the new CAS token', async () => {
      const cas = await clients.client.set('user:1001', { name: 'Alice', tags: ['a'] });
      expect(cas).toBeInstanceOf(CasToken);
      expect(typeof cas.value).toBe('bigint');
      expect(await clients.client.get('user:1001')).toEqual({ name: 'Alice', tags: ['a'] });
      if (limits.text) {
        // A text-protocol write is not answered with its CAS: the token guards nothing.
        expect(cas.value).toBe(0n);
        expect(await clients.client.cas('user:1001', 1, cas)).toBe('conflict');
        expect(await clients.client.get('user:1001')).toEqual({ name: 'Alice', tags: ['a'] });
        return;
      }
      expect((await clients.client.gets('user:1001'))?.cas.value).toBe(cas.value);
    });

    it('gets returns a CAS token, with its 64-bit bigint and node, that changes on every write', async () => {
      await clients.client.set('k', 1);
      const a = await clients.client.gets<number>('k');
      await clients.client.set('k', 1);
      const b = await clients.client.gets<number>('k');
      expect(typeof a?.cas.value).toBe('bigint');
      expect(a?.cas.node).toBe(clients.client.nodeFor('k'));
      expect(String(a?.cas)).toBe(a?.cas.value.toString());
      expect(b?.cas.value).not.toBe(a?.cas.value);
      await clients.client.cas('k', 2, b!.cas);
      const c = await clients.client.gets<number>('k');
      expect(c?.cas.value).not.toBe(b?.cas.value);
      expect(c?.value).toBe(2);
    });

    it("the seed's race: two readers both cas; exactly one is stored, the other conflicts", async () => {
      await clients.client.set('user:1001', { name: 'Alice', email: 'alice@example.com' });
      const [a, b] = await Promise.all([
        clients.client.gets<{ name: string }>('user:1001'),
        clients.other.gets<{ name: string }>('user:1001'),
      ]);
      const ra = await clients.client.cas(
        'user:1001',
        { ...a!.value, name: 'Alice Smith' },
        a!.cas,
      );
      const rb = await clients.other.cas(
        'user:1001',
        { ...b!.value, email: 'alice@new.example' },
        b!.cas,
      );
      expect([ra, rb]).toEqual(['stored', 'conflict']);
      expect(await clients.client.get('user:1001')).toEqual({
        name: 'Alice Smith',
        email: 'alice@example.com',
      });
    });

    it('cas on a key deleted since it was read reports not_found', async () => {
      await clients.client.set('k', 1);
      const hit = await clients.client.gets('k');
      await clients.client.delete('k');
      expect(await clients.client.cas('k', 2, hit!.cas)).toBe('not_found');
      expect(await clients.client.get('k')).toBeUndefined();
    });

    it('add stores only a missing key; replace only an existing one', async () => {
      expect(await clients.client.replace('k', 1)).toBe('not_found');
      expect(await clients.client.get('k')).toBeUndefined();
      expect(await clients.client.add('k', 1)).toBe('stored');
      expect(await clients.client.add('k', 2)).toBe('exists');
      expect(await clients.client.get('k')).toBe(1);
      expect(await clients.client.replace('k', 3)).toBe('stored');
      expect(await clients.client.get('k')).toBe(3);
    });

    it('delete reports deleted, then not_found', async () => {
      await clients.client.set('k', 1);
      expect(await clients.client.delete('k')).toBe('deleted');
      expect(await clients.client.delete('k')).toBe('not_found');
    });

    it('delete with a stale CAS token conflicts and keeps the value; with the current one it deletes', async () => {
      await clients.client.set('k', 1);
      const old = await clients.client.gets('k');
      await clients.client.set('k', 2);
      if (limits.text) {
        // The text protocol has no CAS-guarded delete: refused, nothing sent.
        for (const hit of [old, await clients.client.gets('k')]) {
          const err = await clients.client.delete('k', { cas: hit!.cas }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(UnsupportedOperationError);
          expect(err).toMatchObject({ code: 'UNSUPPORTED' });
        }
        expect(await clients.client.get('k')).toBe(2);
        return;
      }
      expect(await clients.client.delete('k', { cas: old!.cas })).toBe('conflict');
      expect(await clients.client.get('k')).toBe(2);
      const now = await clients.client.gets('k');
      expect(await clients.client.delete('k', { cas: now!.cas })).toBe('deleted');
      expect(await clients.client.get('k')).toBeUndefined();
    });

    it('incr/decr: a missing key stays missing without initial, and is created with it', async () => {
      expect(await clients.client.incr('n', 5)).toBeUndefined();
      expect(await clients.client.get('n')).toBeUndefined();
      expect(await clients.client.incr('n', 5, { initial: 10 })).toBe(10n);
      expect(await clients.client.incr('n', 5)).toBe(15n);
      expect(await clients.client.decr('n', 3)).toBe(12n);
      expect(await clients.client.decr('n', 100)).toBe(0n);
      expect(await clients.client.get('n')).toBe(0);
    });

    it('incr keeps 64-bit precision as bigint and wraps at 2^64', async () => {
      const big = (1n << 63n) + 5n;
      expect(await clients.client.incr('n', 1, { initial: big })).toBe(big);
      expect(await clients.client.incr('n', 1n << 62n)).toBe(big + (1n << 62n));
      await clients.client.delete('n');
      expect(await clients.client.incr('n', 0, { initial: (1n << 64n) - 1n })).toBe(
        (1n << 64n) - 1n,
      );
      expect(await clients.client.incr('n', 2)).toBe(1n);
    });

    it('incr on a value that is not a number fails with NonNumericValueError and leaves it', async () => {
      await clients.client.set('k', { a: 1 });
      await expect(clients.client.incr('k', 1)).rejects.toBeInstanceOf(NonNumericValueError);
      expect(await clients.client.get('k')).toEqual({ a: 1 });
    });

    it('incr changes the CAS token', async () => {
      await clients.client.incr('n', 1, { initial: 1 });
      const a = await clients.client.gets('n');
      await clients.client.incr('n', 1);
      const b = await clients.client.gets('n');
      expect(b?.cas).not.toBe(a?.cas);
    });

    it('touch reports touched for an existing key and not_found otherwise', async () => {
      await clients.client.set('k', 1);
      expect(await clients.client.touch('k', 100)).toBe('touched');
      expect(await clients.client.touch('missing', 100)).toBe('not_found');
      expect(await clients.client.get('k')).toBe(1);
    });

    it('a relative TTL expires the item', async () => {
      await clients.client.set('short', 1, { ttlSeconds: 1 });
      await clients.client.set('long', 1, { ttlSeconds: 100 });
      expect(await clients.client.get('short')).toBe(1);
      await sleep(2100);
      expect(await clients.client.get('short')).toBeUndefined();
      expect(await clients.client.get('long')).toBe(1);
    });

    it('a TTL over 30 days is a Unix time: in the past it is already expired, in the future it lives', async () => {
      const now = Math.floor(Date.now() / 1000);
      await clients.client.set('past', 1, { ttlSeconds: now - 10 });
      await clients.client.set('future', 1, { ttlSeconds: now + 3600 });
      expect(await clients.client.get('past')).toBeUndefined();
      expect(await clients.client.get('future')).toBe(1);
    });

    it('touch with a Unix time in the past expires the item', async () => {
      await clients.client.set('k', 1);
      await clients.client.touch('k', Math.floor(Date.now() / 1000) - 10);
      expect(await clients.client.get('k')).toBeUndefined();
    });

    it('getMany returns hits and misses in the caller key order', async () => {
      await clients.client.set('a', 1);
      await clients.client.set('c', 3);
      const r = await clients.client.getMany<number>(['c', 'b', 'a', 'c']);
      expect(r.map((e) => e.key)).toEqual(['c', 'b', 'a', 'c']);
      expect(r.map((e) => (e.status === 'hit' ? e.value : e.status))).toEqual([3, 'miss', 1, 3]);
      const hit = r[0];
      expect(hit?.status === 'hit' && typeof hit.cas.value).toBe('bigint');
      if (hit?.status === 'hit') expect(await clients.client.cas('c', 4, hit.cas)).toBe('stored');
      expect(await clients.client.getMany([])).toEqual([]);
    });

    it('getMany over 500 keys gets every one', async () => {
      const keys = Array.from({ length: 500 }, (_, i) => `many:${i}`);
      await Promise.all(keys.filter((_, i) => i % 2 === 0).map((k, i) => clients.client.set(k, i)));
      const r = await clients.client.getMany(keys);
      expect(r.filter((e) => e.status === 'hit')).toHaveLength(250);
      expect(r.filter((e) => e.status === 'miss')).toHaveLength(250);
    });

    it('getMany reports an undecodable value in its own entry, or rejects with allOrNothing', async () => {
      await clients.client.set('ok', 1);
      await clients.client.set('text', 'hello', { codec: stringCodec() });
      const r = await clients.client.getMany(['ok', 'text']);
      expect(r[0]?.status).toBe('hit');
      expect(r[1]?.status === 'error' && isCodecError(r[1].error)).toBe(true);
      await expect(
        clients.client.getMany(['ok', 'text'], { allOrNothing: true }),
      ).rejects.toBeInstanceOf(CodecError);
    });

    it('flush removes every item', async () => {
      await clients.client.set('a', 1);
      await clients.client.set('b', 2);
      await clients.client.flush();
      expect(await clients.client.get('a')).toBeUndefined();
      expect(await clients.client.get('b')).toBeUndefined();
    });

    it('the key prefix is part of the stored key', async () => {
      const prefixed = clients.open({ keyPrefix: 'app:' });
      await prefixed.set('k', 'v');
      expect(await clients.client.get('app:k')).toBe('v');
      expect(await clients.client.get('k')).toBeUndefined();
    });

    it('string and raw codecs round-trip, with their own flags', async () => {
      await clients.client.set('s', 'héllo', { codec: stringCodec() });
      expect(await clients.client.get('s', { codec: stringCodec() })).toBe('héllo');
      const bytes = Buffer.from([0, 1, 2, 255]);
      await clients.client.set('b', bytes, { codec: rawCodec() });
      expect(await clients.client.get('b', { codec: rawCodec() })).toEqual(bytes);
    });

    it('a value read through another codec than the one that wrote it is a CodecError, not garbage', async () => {
      await clients.client.set('b', Buffer.from([0xff, 0xfe]), { codec: rawCodec() });
      await expect(clients.client.get('b')).rejects.toBeInstanceOf(CodecError);
      await expect(clients.client.get('b', { codec: stringCodec() })).rejects.toThrow(/flags 32/);
    });

    it('plain bytes with flags 0, as other clients write JSON, read through the JSON codec', async () => {
      await clients.client.set('py', Buffer.from('{"name":"Alice"}'), {
        codec: rawCodec({ flags: 0 }),
      });
      expect(await clients.client.get('py')).toEqual({ name: 'Alice' });
      await clients.client.set('mine', { name: 'Bob' });
      expect(
        (await clients.client.get('mine', { codec: rawCodec({ flags: 0 }) }))?.toString(),
      ).toBe('{"name":"Bob"}');
    });

    describe('bad input: a typed error and nothing written', () => {
      it.each([
        ['empty', ''],
        ['a space', 'a b'],
        ['a newline', 'a\nb'],
        ['a tab', 'a\tb'],
        ['DEL', 'a\x7fb'],
        ['over 250 bytes', 'k'.repeat(251)],
        ['over 250 bytes in UTF-8', 'é'.repeat(126)],
        ['a lone high surrogate', 'a\uD800'],
        ['a lone low surrogate', 'a\uDFFF'],
        ['a reversed surrogate pair', 'a\uDC00\uD800'],
      ])('a key with %s is an InvalidKeyError', async (_, key) => {
        await expect(clients.client.set(key, 1)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(clients.client.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(clients.client.incr(key, 1)).rejects.toBeInstanceOf(InvalidKeyError);
      });

      it('keys that differ only in a lone surrogate never share a value; surrogate pairs are fine', async () => {
        // 'a\uD800', 'a\uDFFF' and 'a\uFFFD' would all be the UTF-8 bytes of 'a\uFFFD'.
        await clients.client.set('a\uFFFD', 'replacement');
        await expect(clients.client.get('a\uD800')).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(clients.client.set('a\uDFFF', 'lone')).rejects.toBeInstanceOf(InvalidKeyError);
        expect(await clients.client.get('a\uFFFD')).toBe('replacement');
        await clients.client.set('emoji:\u{1F600}', 'grin');
        expect(await clients.client.get('emoji:\u{1F600}')).toBe('grin');
      });

      it('a key within 250 bytes only without the prefix is an InvalidKeyError', async () => {
        const prefixed = clients.open({ keyPrefix: 'pre:' });
        await expect(prefixed.set('k'.repeat(248), 1)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(clients.client.set('k'.repeat(250), 1)).resolves.toBeInstanceOf(CasToken);
      });

      it('a non-string key is an InvalidKeyError', async () => {
        await expect(clients.client.get(42 as unknown as string)).rejects.toBeInstanceOf(
          InvalidKeyError,
        );
      });

      it('a value over maxValueBytes is a ValueTooLargeError and the old value stays', async () => {
        const small = clients.open({ maxValueBytes: 1000 });
        await small.set('k', 'old');
        await expect(small.set('k', 'x'.repeat(2000))).rejects.toBeInstanceOf(ValueTooLargeError);
        const hit = await small.gets('k');
        await expect(small.cas('k', 'x'.repeat(2000), hit!.cas)).rejects.toBeInstanceOf(
          ValueTooLargeError,
        );
        expect(await small.get('k')).toBe('old');
      });

      it('at the default 1 MiB limit the largest allowed item is stored; one byte more fails before I/O', async () => {
        const key = 'edge';
        const fits = 1024 * 1024 - key.length - 63;
        await clients.client.set(key, Buffer.alloc(fits, 7), { codec: rawCodec() });
        expect((await clients.client.get(key, { codec: rawCodec() }))?.length).toBe(fits);
        const err = await clients.client
          .set(key, Buffer.alloc(fits + 1), { codec: rawCodec() })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ValueTooLargeError);
        expect((err as Error).message).toContain('memcas refused');
        expect((await clients.client.get(key, { codec: rawCodec() }))?.length).toBe(fits);
      });

      it('a value JSON cannot encode is a CodecError and the old value stays', async () => {
        await clients.client.set('k', 'old');
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await expect(clients.client.set('k', { n: 10n })).rejects.toBeInstanceOf(CodecError);
        await expect(clients.client.set('k', cyclic)).rejects.toBeInstanceOf(CodecError);
        await expect(clients.client.set('k', undefined)).rejects.toBeInstanceOf(CodecError);
        expect(await clients.client.get('k')).toBe('old');
      });

      it('bad arguments are InvalidArgumentErrors (TypeErrors with a stable code), before any I/O', async () => {
        const c = clients.client;
        const bad: Array<() => Promise<unknown>> = [
          () => c.set('k', 1, { ttlSeconds: -1 }),
          // A Unix time past 2038: memcached would store it already expired.
          () => c.set('k', 1, { ttlSeconds: 2 ** 31 }),
          () => c.incr('k', -1),
          () => c.touch('k', 1.5),
          () => c.getMany('abc' as unknown as string[]),
          () => c.get('k', { codec: 'json' as unknown as undefined }),
          () => c.set('k', 1, { codec: 'json' as unknown as undefined }),
          () => c.update('k', () => 1, { codec: 'json' as unknown as undefined }),
          () =>
            c.update('k', () => 1, {
              codec: 'json' as unknown as undefined,
              combine: false,
            }),
          () => c.update('k', () => 1, { signal: 'stop' as unknown as AbortSignal }),
          () =>
            c.update('k', () => 1, {
              signal: {} as unknown as AbortSignal,
              combine: false,
            }),
        ];
        for (const [i, call] of bad.entries()) {
          const err = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `call ${i}`).toBeInstanceOf(TypeError);
          expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
          expect(isInvalidArgumentError(err)).toBe(true);
        }
        expect(await clients.client.get('k')).toBeUndefined();
      });

      it('a bad TTL, delta or CAS token is a TypeError naming it', async () => {
        await expect(clients.client.set('k', 1, { ttlSeconds: -1 })).rejects.toThrow(/ttlSeconds/);
        await expect(clients.client.set('k', 1, { ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/);
        await expect(clients.client.incr('k', -1)).rejects.toThrow(/delta/);
        await expect(clients.client.cas('k', 1, 5 as unknown as CasToken)).rejects.toThrow(/cas/);
        expect(await clients.client.get('k')).toBeUndefined();
      });
    });

    it('version and stats answer per node', async () => {
      const v = await clients.client.version();
      expect(Object.keys(v)).toEqual(clients.client.nodes().map((n) => n.address));
      if (limits.proxy) {
        await clients.client.ping();
        await expect(clients.client.stats()).rejects.toMatchObject({
          retryable: expect.any(Boolean),
        });
        return;
      }
      const stats = await clients.client.stats();
      expect(Object.values(stats)[0]).toHaveProperty('curr_items');
      await clients.client.ping();
    });

    it('close() lets calls already started settle as they would have; later calls reject naming their operation', async () => {
      const c = clients.open();
      await c.set('k', 1);
      const pending = Promise.all([
        c.get('k'),
        c.set('j', 2),
        c.update<number>('k', (n) => n! + 1),
        c.incr('n', 1, { initial: 5 }),
        c.getMany(['k', 'j']),
      ]);
      await c.close();
      const [got, token, updated, counter, many] = await pending;
      expect(got).toBe(1);
      expect(token).toBeInstanceOf(CasToken);
      expect(updated).toMatchObject({ outcome: 'updated', value: 2 });
      expect(counter).toBe(5n);
      expect(many.map((e) => e.status)).toEqual(['hit', 'hit']);
      for (const [op, call] of [
        ['get', () => c.get('k')],
        ['gets', () => c.gets('k')],
        ['set', () => c.set('k', 1)],
        ['update', () => c.update('k', () => 1)],
        ['getMany', () => c.getMany(['k'])],
      ] as const) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ClientClosedError);
        expect((err as Error).message.startsWith(`${op}:`)).toBe(true);
      }
      expect(await clients.client.get('k')).toBe(2);
      expect(await clients.client.get('j')).toBe(2);
    });

    it('a second close() waits for the same close as the first', async () => {
      const c = clients.open();
      await c.set('k', 1);
      const first = c.close();
      expect(c.close()).toBe(first);
      await first;
    });

    it('calls on a closed client reject with ClientClosedError', async () => {
      const c = clients.open();
      await c.close();
      await expect(c.get('k')).rejects.toBeInstanceOf(ClientClosedError);
      await expect(c.incr('k')).rejects.toBeInstanceOf(ClientClosedError);
    });

    it('many concurrent writes and reads all settle correctly', async () => {
      await Promise.all(Array.from({ length: 300 }, (_, i) => clients.client.set(`c:${i}`, i)));
      const values = await Promise.all(
        Array.from({ length: 300 }, (_, i) => clients.client.get(`c:${i}`)),
      );
      expect(values).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });
  });
}
