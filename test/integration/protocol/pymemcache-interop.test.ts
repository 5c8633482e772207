import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client, type Protocol } from '../../../src/index.js';
import { ensurePymemcache, PYTHON } from '../../helpers/pymemcache.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const run = promisify(execFile);
const node = useMemcached(1);

/** Runs a few lines of Python with pymemcache (the seed's client) against the node; returns stdout. */
async function python(code: string): Promise<string> {
  const address = node.nodes[0]!;
  const program = [
    'import sys',
    'from pymemcache.client.base import Client',
    `c = Client(('${address.host}', ${address.port}), default_noreply=False)`,
    code,
  ].join('\n');
  const { stdout } = await run(PYTHON, ['-c', program], { timeout: 20_000 });
  return stdout.trim();
}

beforeAll(() => ensurePymemcache(), 120_000);

describe.each<Protocol>(['meta', 'binary'])(
  'pymemcache and memcas over %s share items',
  (protocol) => {
    let client: Client;
    beforeAll(() => {
      client = createClient({ servers: [node.nodes[0]!.address], protocol });
    });
    afterAll(() => client.close());

    it('pymemcache writes and CAS-updates; memcas reads it and CAS-updates it with its token', async () => {
      const key = `py:${protocol}:1`;
      const out = await python(
        [
          `c.set('${key}', b'{"n": 1}')`,
          `v, cas = c.gets('${key}')`,
          `print(c.cas('${key}', b'{"n": 2}', cas))`,
        ].join('\n'),
      );
      expect(out).toBe('True');
      const hit = await client.gets<{ n: number }>(key);
      expect(hit?.value).toEqual({ n: 2 });
      expect(await client.cas(key, { n: 3 }, hit!.cas)).toBe('stored');
      expect(await python(`print(c.get('${key}').decode())`)).toBe('{"n":3}');
    });

    it('memcas writes; pymemcache reads it, CAS-updates it, and memcas sees its token go stale', async () => {
      const key = `py:${protocol}:2`;
      await client.set(key, { n: 10 });
      const stale = await client.gets<{ n: number }>(key);
      const out = await python(
        [
          `v, cas = c.gets('${key}')`,
          `print(v.decode())`,
          `print(c.cas('${key}', b'{"n":11}', cas))`,
        ].join('\n'),
      );
      expect(out.split('\n')).toEqual(['{"n":10}', 'True']);
      expect(await client.cas(key, { n: 12 }, stale!.cas)).toBe('conflict');
      const fresh = await client.gets<{ n: number }>(key);
      expect(fresh?.value).toEqual({ n: 11 });
      // The token memcas read is the item's CAS: pymemcache's own gets sees the same number.
      expect(await python(`print(c.gets('${key}')[1].decode())`)).toBe(fresh!.cas.value.toString());
    });
  },
);
