import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredItem } from '../../../src/backend/index.js';
import {
  CasConflictError,
  ConnectionError,
  NonNumericValueError,
  UnsupportedOperationError,
  ValueTooLargeError,
} from '../../../src/index.js';
import type { ConnectionOptions } from '../../../src/protocol/index.js';
import { TextBackend } from '../../../src/protocol/text/text-backend.js';
import { HookProxy } from '../../helpers/hook-proxy.js';
import type { MemcachedNode } from '../../helpers/memcached-node.js';
import { useNutcracker } from '../../helpers/nutcracker.js';
import { TextClient } from '../../helpers/text-protocol.js';
import { useMemcached } from '../../helpers/use-memcached.js';

// -B ascii: the nodes refuse the binary protocol, so nothing slips through it.
const ascii = useMemcached(1, { args: ['-B', 'ascii'] });
const proxied = useNutcracker(3, { args: ['-B', 'ascii'] });

const opened: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

type Target = { readonly host: string; readonly port: number };

function backend(target: Target, options: Partial<ConnectionOptions> = {}): TextBackend {
  const b = new TextBackend(
    {
      host: target.host,
      port: target.port,
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
      maxValueBytes: 1024 * 1024,
      ...options,
    },
    1000,
    undefined,
  );
  opened.push(b);
  return b;
}

async function proxy(
  target: Target,
  before?: (chunk: string) => Promise<void> | void,
): Promise<HookProxy> {
  const p = await HookProxy.start(target, before);
  opened.push(p);
  return p;
}

const node = (): MemcachedNode => ascii.nodes[0]!;
const bytes = (s: string): Buffer => Buffer.from(s);
const set = (key: string, value: string, flags = 0, ttl = 0) =>
  ({ mode: 'set', key, value: bytes(value), flags, ttl, cas: 0n }) as const;
const counter = (key: string, delta: bigint, initial?: bigint, ttl = 0) => ({
  key,
  delta,
  initial,
  ttl,
});

/** A statistic of a node, read on its own connection. */
async function stat(target: Target, name: string): Promise<number> {
  const b = backend(target);
  const value = Number((await b.stats())[name]);
  await b.close();
  return value;
}

/** `cmd_set`, `delete_misses`, …: what the node counted, to show a command was never sent. */
async function counted(target: Target, names: readonly string[]): Promise<number[]> {
  return Promise.all(names.map((n) => stat(target, n)));
}

describe('TextBackend on memcached -B ascii', () => {
  it('get, set, add and replace answer as memcached does, with flags and the CAS token', async () => {
    const b = backend(node());
    await b.flush();
    expect(await b.get('k')).toBeUndefined();
    expect(await b.store(set('k', 'v1', 7))).toMatchObject({ outcome: 'stored' });
    const hit = await b.get('k');
    expect(hit).toMatchObject({ value: bytes('v1'), flags: 7 });
    expect(hit!.cas).toBeGreaterThan(0n);
    expect(hit!.session).toBeGreaterThan(0);
    expect(await b.store({ ...set('k', 'v2'), mode: 'add' })).toMatchObject({ outcome: 'exists' });
    expect(await b.store({ ...set('new', 'v'), mode: 'replace' })).toMatchObject({
      outcome: 'not_found',
    });
    expect(await b.store({ ...set('new', 'v'), mode: 'add' })).toMatchObject({
      outcome: 'stored',
    });
    expect(await b.store({ ...set('k', 'v3', 0xffffffff), mode: 'replace' })).toMatchObject({
      outcome: 'stored',
    });
    expect(await b.get('k')).toMatchObject({ value: bytes('v3'), flags: 0xffffffff });
    const binary = Buffer.from([0, 13, 10, 0xff, 13, 10]);
    await b.store({ ...set('bin', ''), value: binary });
    expect((await b.get('bin'))?.value).toEqual(binary);
  });

  it('a write is answered without its CAS: its token has none, and a cas() with it is a conflict never sent', async () => {
    const b = backend(node());
    const written = await b.store(set('k', 'v1'));
    expect(written).toMatchObject({ outcome: 'stored', cas: 0n });
    const before = await counted(node(), ['cmd_set']);
    const r = await b.store({
      ...set('k', 'v2'),
      mode: 'replace',
      cas: written.cas,
      session: written.session,
    });
    expect(r.outcome).toBe('exists');
    expect(await counted(node(), ['cmd_set'])).toEqual(before);
    expect((await b.get('k'))?.value).toEqual(bytes('v1'));
  });

  it('cas: stored with the current token, exists with a stale one, not_found once the key is gone', async () => {
    const b = backend(node());
    const other = backend(node());
    await b.store(set('k', 'v1'));
    const first = (await b.get('k')) as StoredItem;
    const cas = (item: StoredItem, value: string) =>
      b.store({ ...set('k', value), mode: 'replace', cas: item.cas, session: item.session });
    await other.store(set('k', 'theirs'));
    expect((await cas(first, 'mine')).outcome).toBe('exists');
    const fresh = (await b.get('k')) as StoredItem;
    expect((await cas(fresh, 'mine')).outcome).toBe('stored');
    expect((await b.get('k'))?.value).toEqual(bytes('mine'));
    const last = (await b.get('k')) as StoredItem;
    await other.delete('k', 0n);
    expect((await cas(last, 'late')).outcome).toBe('not_found');
  });

  it('a token read on an earlier connection is a conflict, not sent: the server may have restarted and reused the number', async () => {
    const b = backend(node());
    await b.store(set('k', 'v1'));
    const read = (await b.get('k')) as StoredItem;
    await node().restart();
    await b.noop().catch(() => undefined); // the first call after the restart finds the connection gone
    await b.store(set('k', 'v2'));
    const r = await b.store({
      ...set('k', 'v3'),
      mode: 'replace',
      cas: read.cas,
      session: read.session,
    });
    expect(r.outcome).toBe('exists');
    expect((await b.get('k'))?.value).toEqual(bytes('v2'));
  });

  it('delete: deleted, then not_found; with a CAS token it is refused (UNSUPPORTED) and nothing is sent', async () => {
    const b = backend(node());
    await b.store(set('k', 'v'));
    const hit = (await b.get('k')) as StoredItem;
    const before = await counted(node(), ['delete_hits', 'delete_misses']);
    const err = await b.delete('k', hit.cas, hit.session).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED', retryable: false, operation: 'delete' });
    expect((err as Error).message).toMatch(/no CAS-guarded delete.*'meta' or 'binary'/);
    expect(await counted(node(), ['delete_hits', 'delete_misses'])).toEqual(before);
    expect((await b.get('k'))?.value).toEqual(bytes('v'));
    expect(await b.delete('k', 0n)).toBe('deleted');
    expect(await b.delete('k', 0n)).toBe('not_found');
  });

  it('incr/decr: a missing key stays missing without initial, is created with it and its TTL; 64-bit wrap; decr stops at 0', async () => {
    const b = backend(node());
    expect(await b.incr(counter('n', 5n))).toBeUndefined();
    expect(await b.get('n')).toBeUndefined();
    expect(await b.incr(counter('n', 5n, 10n, 100))).toBe(10n);
    const text = await TextClient.open(node().host, node().port);
    opened.push(text);
    expect(await text.ttl('n')).toBeGreaterThan(90);
    expect(await b.get('n')).toMatchObject({ value: bytes('10'), flags: 0 });
    expect(await b.incr(counter('n', 5n))).toBe(15n);
    expect(await b.decr(counter('n', 100n))).toBe(0n);
    expect(await b.decr(counter('gone', 1n, 7n))).toBe(7n);
    await b.store(set('big', ((1n << 64n) - 1n).toString()));
    expect(await b.incr(counter('big', 2n))).toBe(1n);
  });

  it('incr on a value that is not a number is a NonNumericValueError and leaves it', async () => {
    const b = backend(node());
    await b.store(set('k', '{"a":1}'));
    await expect(b.incr(counter('k', 1n))).rejects.toBeInstanceOf(NonNumericValueError);
    await expect(b.decr(counter('k', 1n, 5n))).rejects.toBeInstanceOf(NonNumericValueError);
    expect((await b.get('k'))?.value).toEqual(bytes('{"a":1}'));
  });

  it('incr with initial that loses the create race to another client counts on the value that client created', async () => {
    const other = backend(node());
    await other.delete('race', 0n);
    let raced = false;
    const p = await proxy(node(), async (chunk) => {
      // Every time: another client creates the key between our incr and our add.
      if (chunk.startsWith('add race ') && !raced) {
        raced = true;
        await other.store(set('race', '100'));
      }
    });
    const b = backend(p);
    expect(await b.incr(counter('race', 5n, 1n))).toBe(105n);
    expect(p.lines.map((l) => l.split(' ')[0])).toEqual(['incr', 'add', '1', 'incr']);
    expect((await other.get('race'))?.value).toEqual(bytes('105'));
  });

  it('incr with initial gives up with a retryable CasConflictError when the key is deleted again every round', async () => {
    const other = backend(node());
    await other.delete('churn', 0n);
    const p = await proxy(node(), async (chunk) => {
      if (chunk.startsWith('incr churn ')) await other.delete('churn', 0n);
      if (chunk.startsWith('add churn ')) await other.store(set('churn', '100'));
    });
    const b = backend(p);
    const err = await b.incr(counter('churn', 1n, 1n)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CasConflictError);
    expect(err).toMatchObject({ retryable: true, key: 'churn' });
    expect(p.lines.filter((l) => l.startsWith('incr '))).toHaveLength(10);
  });

  it('incr with initial from 8 connections at once on a missing key counts every one', async () => {
    const backends = Array.from({ length: 8 }, () => backend(node()));
    await backends[0]!.delete('many', 0n);
    const results = await Promise.all(backends.map((b) => b.incr(counter('many', 1n, 1n))));
    expect(results.sort((x, y) => Number(x! - y!))).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  });

  it('touch: true, then false for a missing key; an expiry past 2^31-1 is refused before anything is sent', async () => {
    const b = backend(node());
    await b.store(set('k', 'v'));
    expect(await b.touch('k', 100)).toBe(true);
    expect(await b.touch('missing', 100)).toBe(false);
    expect(await b.store(set('edge', 'v', 0, 0x7fffffff))).toMatchObject({ outcome: 'stored' });
    expect((await b.get('edge'))?.value).toEqual(bytes('v'));
    const before = await counted(node(), ['cmd_set', 'cmd_touch', 'cmd_get']);
    for (const call of [
      () => b.store(set('k', 'later', 0, 0x80000000)),
      () => b.touch('k', 0xffffffff),
      () => b.incr(counter('c', 1n, 0n, 0x80000000)),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedOperationError);
      expect((err as Error).message).toMatch(/2038/);
    }
    expect(await counted(node(), ['cmd_set', 'cmd_touch', 'cmd_get'])).toEqual(before);
    expect((await b.get('k'))?.value).toEqual(bytes('v'));
  });

  it('getMany: hits and misses in key order, repeated keys, and one gets line per 16 KB of keys', async () => {
    const p = await proxy(node());
    const b = backend(p);
    await b.store(set('a', '1'));
    await b.store(set('c', '3'));
    const few = await b.getMany(['c', 'b', 'a', 'c']);
    expect(few.map((i) => i?.value.toString())).toEqual(['3', undefined, '1', '3']);
    const keys = Array.from({ length: 3000 }, (_, i) => `many:key:${String(i).padStart(8, '0')}`);
    await Promise.all(keys.filter((_, i) => i % 3 === 0).map((k) => b.store(set(k, k))));
    const many = await b.getMany(keys);
    expect(many.map((i) => i?.value.toString())).toEqual(
      keys.map((k, i) => (i % 3 === 0 ? k : undefined)),
    );
    const lines = p.lines.filter((l) => l.startsWith('gets ') && l.includes('many:key:'));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const l of lines) expect(Buffer.byteLength(l) + 2).toBeLessThanOrEqual(16 * 1024);
    expect(lines.flatMap((l) => l.split(' ').slice(1))).toEqual(keys);
    expect(await b.getMany([])).toEqual([]);
  });

  it('a value over maxValueBytes fails only the read that met it (get or getMany); the connection goes on', async () => {
    const writer = backend(node());
    await writer.store(set('big', 'x'.repeat(5000)));
    await writer.store(set('a', 'A'));
    const small = backend(node(), { maxValueBytes: 1000 });
    const session = (await small.get('a'))!.session;
    await expect(small.get('big')).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(small.getMany(['a', 'big', 'a'])).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(await small.get('a')).toMatchObject({ value: bytes('A'), session });
  });

  it('a value memcached refuses as too large for its -I is a ValueTooLargeError, and the connection goes on', async () => {
    const b = backend(node(), { maxValueBytes: 4 * 1024 * 1024 });
    await b.store(set('k', 'old'));
    const err = await b
      // replace, as memcas's cas() and update() write: a refused set would unlink the old item.
      .store({ ...set('k', ''), mode: 'replace', value: Buffer.alloc(2 * 1024 * 1024, 1) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValueTooLargeError);
    expect((await b.get('k'))?.value).toEqual(bytes('old'));
  });

  it('flush, version, stats and noop', async () => {
    const b = backend(node());
    await b.store(set('k', 'v'));
    await b.flush();
    expect(await b.get('k')).toBeUndefined();
    expect(await b.version()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await b.stats()).toHaveProperty('curr_items');
    await b.noop();
  });
});

describe('TextBackend through nutcracker (twemproxy) in front of 3 nodes', () => {
  const via = (): TextBackend => backend(proxied.proxy);

  it('every data operation works through the proxy, and the keys spread over all three nodes', async () => {
    const b = via();
    const keys = Array.from({ length: 60 }, (_, i) => `spread:${i}`);
    for (const k of keys) expect((await b.store(set(k, k))).outcome).toBe('stored');
    const hits = await b.getMany(keys);
    expect(hits.map((h) => h?.value.toString())).toEqual(keys);
    for (const n of proxied.nodes) {
      const direct = backend(n);
      const found = (await direct.getMany(keys)).filter((h) => h !== undefined);
      expect(found.length, n.address).toBeGreaterThan(0);
    }
    expect((await b.store({ ...set('spread:0', 'x'), mode: 'add' })).outcome).toBe('exists');
    expect((await b.store({ ...set('spread:0', 'y'), mode: 'replace' })).outcome).toBe('stored');
    expect(await b.touch('spread:1', 100)).toBe(true);
    expect(await b.incr(counter('spread:n', 2n, 40n))).toBe(40n);
    expect(await b.incr(counter('spread:n', 2n))).toBe(42n);
    expect(await b.decr(counter('spread:n', 1n))).toBe(41n);
    expect(await b.delete('spread:2', 0n)).toBe('deleted');
    expect(await b.get('spread:2')).toBeUndefined();
    await b.noop();
    expect(await b.version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('CAS conflicts are detected through the proxy; a CAS delete is refused there too', async () => {
    const b = via();
    const other = via();
    await b.store(set('acct', '100'));
    const read = (await b.get('acct')) as StoredItem;
    await other.store(set('acct', '90'));
    const cas = (item: StoredItem, value: string) =>
      b.store({ ...set('acct', value), mode: 'replace', cas: item.cas, session: item.session });
    expect((await cas(read, '110')).outcome).toBe('exists');
    const fresh = (await b.get('acct')) as StoredItem;
    expect((await cas(fresh, '100')).outcome).toBe('stored');
    expect((await b.get('acct'))?.value).toEqual(bytes('100'));
    const now = (await b.get('acct')) as StoredItem;
    await expect(b.delete('acct', now.cas, now.session)).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
  });

  it('incr with initial from 8 connections at once through the proxy counts every one', async () => {
    const backends = Array.from({ length: 8 }, () => via());
    await backends[0]!.delete('proxied:many', 0n);
    const results = await Promise.all(backends.map((b) => b.incr(counter('proxied:many', 1n, 1n))));
    expect(results.sort((x, y) => Number(x! - y!))).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  });

  it('stats is not passed on (the proxy closes the connection); the next call connects again', async () => {
    const b = via();
    await b.store(set('after', 'v'));
    await expect(b.stats()).rejects.toBeInstanceOf(ConnectionError);
    expect((await b.get('after'))?.value).toEqual(bytes('v'));
  });
});

/** `/usr/bin/python3` with pymemcache, installed from Debian where missing and allowed; else undefined. */
function pymemcache(): string | undefined {
  const python = '/usr/bin/python3';
  try {
    accessSync(python, constants.X_OK);
  } catch {
    return undefined;
  }
  const works = (): boolean => spawnSync(python, ['-c', 'import pymemcache']).status === 0;
  if (works()) return python;
  if (process.getuid?.() !== 0) return undefined;
  spawnSync('apt-get', ['install', '-y', '-qq', 'python3-pymemcache'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return works() ? python : undefined;
}

const PY_CLIENT = `
import json, sys
from pymemcache.client.base import Client
c = Client((sys.argv[1], int(sys.argv[2])), default_noreply=False)
out = []
for op in json.loads(sys.argv[3]):
    if op[0] == 'set':
        out.append(c.set(op[1], op[2].encode('latin1')))
    elif op[0] == 'gets':
        value, cas = c.gets(op[1])
        out.append(None if value is None else [value.decode('latin1'), cas.decode() if isinstance(cas, bytes) else str(cas)])
    elif op[0] == 'cas':
        out.append(c.cas(op[1], op[2].encode('latin1'), op[3]))
print(json.dumps(out))
`;

const python = pymemcache();

describe.skipIf(python === undefined)('interop with pymemcache (text protocol, flags 0)', () => {
  const py = (ops: unknown[]): unknown[] => {
    const run = spawnSync(
      python!,
      ['-c', PY_CLIENT, node().host, String(node().port), JSON.stringify(ops)],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`pymemcache failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as unknown[];
  };

  it('pymemcache writes and CAS-updates an item that TextBackend reads and CAS-updates', async () => {
    const [stored, read] = py([
      ['set', 'py:item', '{"n":1}'],
      ['gets', 'py:item'],
    ]) as [boolean, [string, string]];
    expect(stored).toBe(true);
    expect(read[0]).toBe('{"n":1}');
    const [ok] = py([['cas', 'py:item', '{"n":2}', read[1]]]);
    expect(ok).toBe(true);
    const b = backend(node());
    const hit = (await b.get('py:item')) as StoredItem;
    expect(hit).toMatchObject({ value: bytes('{"n":2}'), flags: 0 });
    const [[, pyCas]] = py([['gets', 'py:item']]) as [[string, string]];
    expect(hit.cas).toBe(BigInt(pyCas));
    const r = await b.store({
      ...set('py:item', '{"n":3}'),
      mode: 'replace',
      cas: hit.cas,
      session: hit.session,
    });
    expect(r.outcome).toBe('stored');
    const [[value], stale] = py([
      ['gets', 'py:item'],
      ['cas', 'py:item', '{"n":9}', pyCas],
    ]) as [[string, string], unknown];
    expect(value).toBe('{"n":3}');
    expect(stale).toBe(false);
  });

  it('TextBackend writes and CAS-updates an item that pymemcache reads and CAS-updates; stale tokens conflict on both sides', async () => {
    const b = backend(node());
    await b.store(set('ts:item', '{"n":1}'));
    const first = (await b.get('ts:item')) as StoredItem;
    const [[value, cas]] = py([['gets', 'ts:item']]) as [[string, string]];
    expect(value).toBe('{"n":1}');
    expect(BigInt(cas)).toBe(first.cas);
    const [ok] = py([['cas', 'ts:item', '{"n":2}', cas]]);
    expect(ok).toBe(true);
    const stale = await b.store({
      ...set('ts:item', '{"n":9}'),
      mode: 'replace',
      cas: first.cas,
      session: first.session,
    });
    expect(stale.outcome).toBe('exists');
    const now = (await b.get('ts:item')) as StoredItem;
    expect(now.value).toEqual(bytes('{"n":2}'));
    const r = await b.store({
      ...set('ts:item', '{"n":3}'),
      mode: 'replace',
      cas: now.cas,
      session: now.session,
    });
    expect(r.outcome).toBe('stored');
    const [[after], again] = py([
      ['gets', 'ts:item'],
      ['cas', 'ts:item', '{"n":9}', cas],
    ]) as [[string, string], unknown];
    expect(after).toBe('{"n":3}');
    expect(again).toBe(false);
  });
});
