import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, createClient, type ClientOptions } from '../../../src/index.js';
import { makeTestPki, type TestPki } from '../../helpers/certificates.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

let pki: TestPki;
let tlsNode: MemcachedNode;
let tlsSaslNode: MemcachedNode;
let plainNode: MemcachedNode;

beforeAll(async () => {
  pki = makeTestPki();
  const tls = { certFile: pki.certFile, keyFile: pki.keyFile };
  [tlsNode, tlsSaslNode, plainNode] = await Promise.all([
    MemcachedNode.start({ tls }),
    MemcachedNode.start({ tls, sasl: { username: 'tls-user', password: 'tls-secret' } }),
    MemcachedNode.start(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([tlsNode, tlsSaslNode, plainNode].map((n) => n?.stop()));
});

async function roundTrip(options: ClientOptions): Promise<void> {
  const client = createClient({ timeoutMs: 1000, ...options });
  try {
    await client.set('k', 1);
    const hit = await client.gets<number>('k');
    expect(await client.cas('k', 2, hit!.cas)).toBe('stored');
    expect((await client.update<number>('k', (n) => n! + 1)).value).toBe(3);
  } finally {
    await client.close();
  }
}

describe('TLS', () => {
  it.each(['binary', 'meta'] as const)(
    'with the right CA, every operation works over TLS (%s)',
    async (protocol) => {
      await roundTrip({ servers: [tlsNode.address], tls: { ca: pki.ca }, protocol });
    },
  );

  it('TLS and SASL together work', async () => {
    await roundTrip({
      servers: [tlsSaslNode.address],
      protocol: 'binary',
      tls: { ca: pki.ca },
      username: 'tls-user',
      password: 'tls-secret',
    });
  });

  it.each(['binary', 'meta'] as const)(
    'a server whose certificate does not verify is refused with a clear error (%s)',
    async (protocol) => {
      const client = createClient({
        servers: [tlsNode.address],
        tls: { ca: pki.otherCa },
        protocol,
      });
      try {
        const err = await client.get('k').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectionError);
        expect((err as Error).message).toMatch(/certificate/i);
        expect((err as Error).message).toContain(tlsNode.address);
      } finally {
        await client.close();
      }
    },
  );

  it('a TLS client against a plain server fails clearly, within the connect timeout', async () => {
    const client = createClient({
      servers: [plainNode.address],
      tls: { ca: pki.ca },
      connectTimeoutMs: 1000,
    });
    try {
      const started = performance.now();
      const err = await client.get('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      await client.close();
    }
  });
});
