import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../../src/index.js';
import { useNutcracker } from '../../helpers/nutcracker.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../../helpers/update-worker.ts', import.meta.url));
// -B ascii: the nodes refuse the binary protocol, so nothing slips past the proxy.
const proxied = useNutcracker(3, { args: ['-B', 'ascii'] });

describe('update() across OS processes through nutcracker (twemproxy) over text', () => {
  it('4 processes x 4 loops x 100 increments on 8 shared keys behind the proxy leave every counter exact', async () => {
    const address = proxied.proxy.address;
    const args = [worker, address, '8', '100', '4', 'fullJitter', 'true', 'text'];
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', ...args], { timeout: 120_000 }),
      ),
    );
    const expected = new Array<number>(8).fill(0);
    for (const { stdout } of outputs) {
      const { perKey } = JSON.parse(stdout.trim().split('\n').pop()!) as { perKey: number[] };
      perKey.forEach((n, k) => (expected[k]! += n));
    }
    expect(expected.reduce((a, b) => a + b)).toBe(1600);
    const keys = expected.map((_, k) => `ctr:${k}`);
    const client = createClient({ servers: [address], protocol: 'text' });
    const values = await client.getMany<number>(keys);
    await client.close();
    expect(values.map((e) => (e.status === 'hit' ? e.value : e.status))).toEqual(expected);
  }, 120_000);
});
