import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createClient, type Client } from '../../../src/index.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

// memcached's ASCII authentication (-Y <file of user:password lines>), for
// the meta and text protocols; the node refuses binary (-B ascii).
const USER = 'memcas-user';
const SECRET = 'pa55-Wörd-3f9a';
let node: MemcachedNode;
const clients: Client[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'memcas-auth-'));
  const file = join(dir, 'auth');
  writeFileSync(file, `${USER}:${SECRET}\n`);
  node = await MemcachedNode.start({ args: ['-B', 'ascii', '-Y', file] });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await node?.stop();
});

function open(credentials: { username?: string; password?: string }): Client {
  const c = createClient({ servers: [node.address], protocol: 'meta', ...credentials });
  clients.push(c);
  return c;
}

describe('ASCII authentication over meta', () => {
  it('right credentials work for every operation, CAS and update() included', async () => {
    const client = open({ username: USER, password: SECRET });
    await client.set('k', { n: 1 });
    const hit = await client.gets<{ n: number }>('k');
    expect(await client.cas('k', { n: 2 }, hit!.cas)).toBe('stored');
    expect((await client.update<{ n: number }>('k', (v) => ({ n: v!.n + 1 }))).value).toEqual({
      n: 3,
    });
    expect(await client.incr('c', 1, { initial: 5 })).toBe(5n);
    expect((await client.getMany(['k', 'c'])).map((e) => e.status)).toEqual(['hit', 'hit']);
    expect(await client.delete('k')).toBe('deleted');
  });

  it('wrong credentials reject with AuthenticationError naming the node, not retried in a loop, and never shown', async () => {
    const admin = open({ username: USER, password: SECRET });
    const before = Number((await admin.stats())[node.address]!.total_connections);
    const client = open({ username: USER, password: 'wrong-' + SECRET });
    const errors: unknown[] = [];
    for (let i = 0; i < 20; i++) errors.push(await client.get('k').catch((e: unknown) => e));
    expect(errors.every((e) => e instanceof AuthenticationError)).toBe(true);
    const err = errors[0] as AuthenticationError;
    expect(err.node).toBe(node.address);
    expect(err.message).toContain(node.address);
    const after = Number((await admin.stats())[node.address]!.total_connections);
    expect(after - before).toBeLessThanOrEqual(2);
    const text = `${err.message} ${err.stack} ${JSON.stringify(err)} ${inspect(err, { depth: Infinity })} ${inspect(client, { depth: Infinity })}`;
    expect(text.includes(SECRET)).toBe(false);
  });

  it('no credentials against a server that wants them: AuthenticationError saying so', async () => {
    const err = await open({})
      .get('k')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/requires authentication/);
  });
});
