import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  createClient,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import { makeTestPki, type TestPki } from '../../helpers/certificates.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';
import { TextClient } from '../../helpers/text-protocol.js';

// memcached's ASCII authentication (-Y) and TLS (-Z) over the classic text
// protocol; every node refuses binary (-B ascii).
const USER = 'memcas-text-user';
const SECRET = 'pa55-Wörd-text-7c1e';
let pki: TestPki;
let authNode: MemcachedNode;
let tlsNode: MemcachedNode;
let plainNode: MemcachedNode;
const clients: Client[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'memcas-text-auth-'));
  const file = join(dir, 'auth');
  writeFileSync(file, `${USER}:${SECRET}\n`);
  pki = makeTestPki();
  [authNode, tlsNode, plainNode] = await Promise.all([
    MemcachedNode.start({ args: ['-B', 'ascii', '-Y', file] }),
    MemcachedNode.start({
      args: ['-B', 'ascii'],
      tls: { certFile: pki.certFile, keyFile: pki.keyFile },
    }),
    MemcachedNode.start({ args: ['-B', 'ascii'] }),
  ]);
}, 60_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all([authNode, tlsNode, plainNode].map((n) => n?.stop()));
});

function open(options: ClientOptions): Client {
  const c = createClient({ protocol: 'text', timeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

/** Every kind of operation, CAS and update() included. */
async function roundTrip(client: Client): Promise<void> {
  await client.set('k', { n: 1 });
  const hit = await client.gets<{ n: number }>('k');
  expect(await client.cas('k', { n: 2 }, hit!.cas)).toBe('stored');
  expect((await client.update<{ n: number }>('k', (v) => ({ n: v!.n + 1 }))).value).toEqual({
    n: 3,
  });
  expect(await client.incr('c', 1, { initial: 5 })).toBe(5n);
  expect((await client.getMany(['k', 'c'])).map((e) => e.status)).toEqual(['hit', 'hit']);
  expect(await client.delete('k')).toBe('deleted');
}

describe('ASCII authentication over text', () => {
  it('right credentials work for every operation, CAS and update() included', async () => {
    await roundTrip(open({ servers: [authNode.address], username: USER, password: SECRET }));
  });

  it('wrong credentials reject with AuthenticationError naming the node, not retried in a loop, and never shown', async () => {
    const admin = open({ servers: [authNode.address], username: USER, password: SECRET });
    const before = Number((await admin.stats())[authNode.address]!.total_connections);
    const client = open({
      servers: [authNode.address],
      username: USER,
      password: 'wrong-' + SECRET,
    });
    const errors: unknown[] = [];
    for (let i = 0; i < 20; i++) errors.push(await client.get('k').catch((e: unknown) => e));
    expect(errors.every((e) => e instanceof AuthenticationError)).toBe(true);
    const err = errors[0] as AuthenticationError;
    expect(err.node).toBe(authNode.address);
    expect(err.message).toContain(authNode.address);
    const after = Number((await admin.stats())[authNode.address]!.total_connections);
    // the admin's own stats connection, and the one refused login
    expect(after - before).toBeLessThanOrEqual(2);
    const text =
      `${err.message} ${err.stack} ${JSON.stringify(err)} ${inspect(err, { depth: Infinity })} ` +
      `${inspect(client, { depth: Infinity })}`;
    expect(text.includes(SECRET)).toBe(false);
  });

  it('no credentials: every request in flight rejects with AuthenticationError saying so, at once', async () => {
    // memcached answers the first command of an unauthenticated connection and drops the rest.
    const client = open({ servers: [authNode.address], timeoutMs: 5000 });
    const started = performance.now();
    const errors = await Promise.all(
      ['a', 'b', 'c'].map((k) => client.get(k).catch((e: unknown) => e)),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    for (const err of errors) {
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as Error).message).toMatch(/requires authentication/);
    }
  });

  it('no credentials: a set, which memcached takes for a login attempt, is an AuthenticationError too', async () => {
    for (const value of ['one-word', 'two words']) {
      const client = open({ servers: [authNode.address] });
      const err = await client.set('k', value).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
    }
  });

  it('credentials given to a server without -Y log in, and leave no readable copy of the password there', async () => {
    const client = open({ servers: [plainNode.address], username: USER, password: SECRET });
    await client.set('k', 1);
    const text = await TextClient.open(plainNode.host, plainNode.port);
    try {
      const seen = await text.command('get memcas-auth\r\n', /END\r\n/);
      expect(seen).toBe('END\r\n');
      expect(seen.includes(SECRET)).toBe(false);
    } finally {
      text.close();
    }
  });
});

describe('TLS over text', () => {
  it('with the right CA, every operation works', async () => {
    await roundTrip(open({ servers: [tlsNode.address], tls: { ca: pki.ca } }));
  });

  it('a server whose certificate does not verify is refused with a clear error', async () => {
    const client = open({ servers: [tlsNode.address], tls: { ca: pki.otherCa } });
    const err = await client.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/certificate/i);
    expect((err as Error).message).toContain(tlsNode.address);
  });
});
