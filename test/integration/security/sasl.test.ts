import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, ConnectionError, createClient } from '../../../src/index.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

const USER = 'memcas-user';
const SECRET = 'pa55-Wörd-7c1e';
let node: MemcachedNode;
let other: MemcachedNode;

beforeAll(async () => {
  node = await MemcachedNode.start({ sasl: { username: USER, password: SECRET } });
  other = await MemcachedNode.start({ sasl: { username: 'second', password: 'another-secret-9' } });
}, 30_000);
afterAll(async () => {
  await node?.stop();
  await other?.stop();
});

const leaks = (text: string): boolean => text.includes(SECRET) || text.includes('another-secret-9');

describe('SASL authentication', () => {
  it('right credentials work for every operation, CAS and update() included', async () => {
    const client = createClient({
      servers: [node.address],
      protocol: 'binary',
      username: USER,
      password: SECRET,
    });
    try {
      await client.set('k', { n: 1 });
      const hit = await client.gets<{ n: number }>('k');
      expect(await client.cas('k', { n: 2 }, hit!.cas)).toBe('stored');
      expect((await client.update<{ n: number }>('k', (v) => ({ n: v!.n + 1 }))).value).toEqual({
        n: 3,
      });
      expect(await client.incr('c', 1, { initial: 5 })).toBe(5n);
      expect((await client.getMany(['k', 'c'])).map((e) => e.status)).toEqual(['hit', 'hit']);
      expect(await client.delete('k')).toBe('deleted');
    } finally {
      await client.close();
    }
  });

  it('wrong credentials reject with AuthenticationError naming the node, and are not retried in a loop', async () => {
    const admin = createClient({
      servers: [node.address],
      protocol: 'binary',
      username: USER,
      password: SECRET,
    });
    const before = Number((await admin.stats())[node.address]!.total_connections);
    const client = createClient({
      servers: [node.address],
      protocol: 'binary',
      username: USER,
      password: 'wrong',
    });
    try {
      const errors: unknown[] = [];
      for (let i = 0; i < 20; i++) errors.push(await client.get('k').catch((e: unknown) => e));
      expect(errors.every((e) => e instanceof AuthenticationError)).toBe(true);
      expect((errors[0] as AuthenticationError).node).toBe(node.address);
      expect((errors[0] as Error).message).toContain(node.address);
      const after = Number((await admin.stats())[node.address]!.total_connections);
      // one failed login (plus the admin's own stats connection), not twenty
      expect(after - before).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
      await admin.close();
    }
  });

  it('on the default protocol (meta) a SASL server is named as binary-only, with and without credentials', async () => {
    for (const credentials of [{ username: USER, password: SECRET }, {}]) {
      const client = createClient({ servers: [node.address], timeoutMs: 300, ...credentials });
      try {
        const err = await client.get('k').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectionError);
        expect((err as Error).message).toMatch(/SASL.*protocol: "binary"/);
        expect(leaks((err as Error).message)).toBe(false);
      } finally {
        await client.close();
      }
    }
  });

  it('per-server credentials: each node gets its own', async () => {
    const client = createClient({
      protocol: 'binary',
      servers: [
        { host: node.host, port: node.port, username: USER, password: SECRET },
        { host: other.host, port: other.port, username: 'second', password: 'another-secret-9' },
      ],
    });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `multi:${i}`);
      await Promise.all(keys.map((k) => client.set(k, k)));
      const owners = new Set(keys.map((k) => client.nodeFor(k)));
      expect(owners.size).toBe(2);
      expect((await client.getMany(keys)).every((e) => e.status === 'hit')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('no credential appears in errors, inspect(), toString() or JSON of the client', async () => {
    const client = createClient({
      protocol: 'binary',
      servers: [node.address],
      username: USER,
      password: 'wrong-' + SECRET,
    });
    try {
      const err = (await client.get('k').catch((e: unknown) => e)) as Error;
      expect(
        leaks(
          `${err.message} ${err.stack} ${JSON.stringify(err)} ${inspect(err, { depth: Infinity })}`,
        ),
      ).toBe(false);
      expect(leaks(inspect(client, { depth: Infinity }))).toBe(false);
      expect(leaks(String(client))).toBe(false);
      expect(() =>
        createClient({ servers: [node.address], protocol: 'binary', username: USER }),
      ).toThrow(/username and password/);
    } finally {
      await client.close();
    }
  });
});
