import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../../src/index.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../../helpers/update-worker.ts', import.meta.url));
const cluster = useMemcached(1);

describe('update() across OS processes', () => {
  it('4 processes x 4 loops x 100 increments on 4 shared keys leave every counter exact', async () => {
    const address = cluster.nodes[0]!.address;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', worker, address, '4', '100', '4', 'fullJitter'], {
          timeout: 120_000,
        }),
      ),
    );
    const expected = [0, 0, 0, 0];
    for (const { stdout } of outputs) {
      const { perKey } = JSON.parse(stdout.trim().split('\n').pop()!) as { perKey: number[] };
      perKey.forEach((n, k) => (expected[k]! += n));
    }
    expect(expected.reduce((a, b) => a + b)).toBe(1600);
    const client = createClient({ servers: [address] });
    const values = await client.getMany<number>(['ctr:0', 'ctr:1', 'ctr:2', 'ctr:3']);
    await client.close();
    expect(values.map((e) => (e.status === 'hit' ? e.value : e.status))).toEqual(expected);
  }, 120_000);
});
