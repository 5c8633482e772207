import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, stringCodec, type Client } from '../../../src/index.js';
import { TextClient } from '../../helpers/text-protocol.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
let client: Client;
let text: TextClient;

beforeAll(async () => {
  const node = cluster.nodes[0]!;
  client = createClient({ servers: [node.address] });
  text = await TextClient.open(node.host, node.port);
});
afterAll(async () => {
  text.close();
  await client.close();
});

describe('sharing memcached with clients in other languages', () => {
  it('JSON written as plain bytes with flags 0 by a text-protocol client reads through the JSON codec', async () => {
    await text.set('py:profile', '{"name":"Alice","email":"alice@example.com"}');
    expect(await client.get('py:profile')).toEqual({ name: 'Alice', email: 'alice@example.com' });
  });

  it('what memcas writes, another client reads as JSON text with flags 0 and CAS-updates with the same token', async () => {
    const cas = await client.set('shared', { n: 1 });
    const seen = await text.gets('shared');
    expect(seen).toEqual({ value: '{"n":1}', flags: 0, cas: cas.value });
    expect(await text.cas('shared', '{"n":2}', seen!.cas)).toBe('STORED');
    expect(await client.get('shared')).toEqual({ n: 2 });
    // and memcas's token is the one the other client's write produced
    const hit = await client.gets('shared');
    expect(await text.cas('shared', '{"n":3}', hit!.cas.value)).toBe('STORED');
    expect(await client.cas('shared', { n: 4 }, hit!.cas)).toBe('conflict');
  });

  it('strings use flags 16, which pymemcache reads as text', async () => {
    await client.set('s', 'héllo', { codec: stringCodec() });
    const seen = await text.gets('s');
    expect(seen?.flags).toBe(16);
    expect(Buffer.from(seen!.value, 'latin1').toString('utf8')).toBe('héllo');
  });

  it('counters made by incr are decimal text that other clients read', async () => {
    await client.incr('hits', 5, { initial: 41 });
    await client.incr('hits', 1);
    expect((await text.gets('hits'))?.value).toBe('42');
  });
});
