import { afterEach, describe, expect, it } from 'vitest';
import { createClient, InvalidArgumentError, type Client } from '../../../src/index.js';
import { keysOn } from '../../helpers/keys-on.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

// Fresh nodes for every test: memcached numbers CAS per node from 1, so a
// token read on one fresh node equals the token of the first write on another.
const nodes: MemcachedNode[] = [];
const clients: Client[] = [];
async function fresh(count: number): Promise<MemcachedNode[]> {
  const started = await Promise.all(Array.from({ length: count }, () => MemcachedNode.start()));
  nodes.push(...started);
  return started;
}
function open(servers: string[]): Client {
  const c = createClient({ servers });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

/** A key that `first` alone owns, and that moves to `second` once it joins. */
function movingKey(withBoth: Client, second: string): string {
  return keysOn(withBoth, second, 1, 'moves')[0]!;
}

describe('CAS tokens never store on a node that did not issue them', () => {
  it('one server at gets() time, the key moves to an added node where another writer made the same CAS number: cas() conflicts', async () => {
    const [a, d] = await fresh(2);
    const probe = open([a!.address, d!.address]);
    const key = movingKey(probe, d!.address);
    const client = open([a!.address]);
    await client.set(key, 'mine'); // the first write on a: CAS 1
    const hit = await client.gets<string>(key);
    client.addServer(d!.address);
    const other = open([a!.address, d!.address]);
    await other.set(key, 'theirs'); // the first write on d: CAS 1 too
    expect((await other.gets(key))?.cas.value).toBe(hit!.cas.value);
    expect(await client.cas(key, 'overwritten', hit!.cas)).toBe('conflict');
    expect(await client.delete(key, { cas: hit!.cas })).toBe('conflict');
    expect(await other.get(key)).toBe('theirs');
  });

  it('the guarantee does not depend on how many other keys were read since (no bounded memory)', async () => {
    const [a, b, d] = await fresh(3);
    const probe = open([a!.address, b!.address, d!.address]);
    const two = open([a!.address, b!.address]);
    const key = keysOn(probe, d!.address, 200, 'moves').find((k) => two.nodeFor(k) === a!.address);
    expect(key).toBeDefined();
    const client = open([a!.address, b!.address]);
    await client.set(key!, 'mine');
    const hit = await client.gets<string>(key!);
    // More than 10,000 other reads, all on b, so a's and d's CAS numbers stay put.
    const filler = keysOn(client, b!.address, 10_050, 'fill');
    await Promise.all(filler.map((k) => client.set(k, 1)));
    for (let i = 0; i < filler.length; i += 500) {
      await Promise.all(filler.slice(i, i + 500).map((k) => client.gets(k)));
    }
    client.addServer(d!.address);
    await open([a!.address, b!.address, d!.address]).set(key!, 'theirs');
    expect(await client.cas(key!, 'overwritten', hit!.cas)).toBe('conflict');
    expect(await probe.get(key!)).toBe('theirs');
  }, 60_000);

  it('a token read before a node was removed and added back is not honoured', async () => {
    const [a, d] = await fresh(2);
    const client = open([a!.address, d!.address]);
    const key = movingKey(client, d!.address);
    await client.set(key, 1);
    const hit = await client.gets<number>(key);
    await client.removeServer(d!.address);
    client.addServer(d!.address);
    expect(await client.cas(key, 2, hit!.cas)).toBe('conflict');
    // A fresh read gives a token that works.
    const again = await client.gets<number>(key);
    expect(await client.cas(key, 2, again!.cas)).toBe('stored');
  });

  it('a token read before the node restarted (CAS numbers start again at 1) is not honoured, by cas, delete or update()', async () => {
    const [a] = await fresh(1);
    const client = open([a!.address]);
    await client.set('acct', { balance: 100 }); // the first write on a: CAS 1
    const hit = await client.gets<{ balance: number }>('acct');
    await a!.restart();
    const other = open([a!.address]);
    await other.set('acct', { balance: 90 }); // the first write after the restart: CAS 1 again
    expect((await other.gets('acct'))?.cas.value).toBe(hit!.cas.value);
    expect(await client.cas('acct', { balance: 50 }, hit!.cas)).toBe('conflict');
    expect(await client.delete('acct', { cas: hit!.cas })).toBe('conflict');
    expect(await other.get('acct')).toEqual({ balance: 90 });
    // A fresh read works again.
    const again = await client.gets<{ balance: number }>('acct');
    expect(await client.cas('acct', { balance: 80 }, again!.cas)).toBe('stored');
  });

  it('a bare bigint, or a token from another client or key, is an InvalidArgumentError before any I/O', async () => {
    const [a] = await fresh(1);
    const client = open([a!.address]);
    const other = open([a!.address]);
    await client.set('k', 1);
    const hit = await client.gets('k');
    const theirs = await other.gets('k');
    await expect(client.cas('k', 2, hit!.cas.value as never)).rejects.toThrow(/bare bigint/);
    await expect(client.cas('k', 2, theirs!.cas)).rejects.toBeInstanceOf(InvalidArgumentError);
    await client.set('j', 1);
    await expect(client.cas('j', 2, hit!.cas)).rejects.toThrow(/read for "k"/);
    expect(await client.get('k')).toBe(1);
  });
});
