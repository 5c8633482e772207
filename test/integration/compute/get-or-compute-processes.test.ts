import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createClient, type Protocol } from '../../../src/index.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../../helpers/compute-worker.ts', import.meta.url));
const memcached = useMemcached(1);

interface WorkerReport {
  pid: number;
  computes: number;
  values: number[];
  outcomes: string[];
}

for (const protocol of ['meta', 'binary', 'text'] as const satisfies readonly Protocol[]) {
  describe(`getOrCompute across OS processes (${protocol})`, () => {
    it('4 processes x 50 callers on a cold key: compute runs once and all 200 get its value', async () => {
      const address = memcached.nodes[0]!.address;
      const key = `cold-${protocol}-${Date.now()}`;
      // Processes take a second or two to load; all start their callers at the same instant.
      const startAt = Date.now() + 4000;
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () =>
          run(
            process.execPath,
            [
              '--import',
              'tsx',
              worker,
              address,
              protocol,
              'lease',
              key,
              '50',
              '300',
              String(startAt),
            ],
            { timeout: 60_000 },
          ),
        ),
      );
      const reports = outputs.map(
        ({ stdout }) => JSON.parse(stdout.trim().split('\n').pop()!) as WorkerReport,
      );
      const computes = reports.reduce((n, r) => n + r.computes, 0);
      const values = reports.flatMap((r) => r.values);
      expect(computes).toBe(1);
      expect(values).toHaveLength(200);
      const computer = reports.find((r) => r.computes === 1)!.pid;
      expect(new Set(values)).toEqual(new Set([computer]));
      expect(reports.flatMap((r) => r.outcomes).filter((o) => o === 'computed')).toHaveLength(50);
    }, 90_000);

    it('a lease holder killed (SIGKILL) mid-compute: another caller computes once its lease ends', async () => {
      const address = memcached.nodes[0]!.address;
      const key = `killed-${protocol}-${Date.now()}`;
      const leaseMs = 2000;
      const holder = spawn(
        process.execPath,
        ['--import', 'tsx', worker, address, protocol, 'hold', key, '1', '0', '0', String(leaseMs)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      holder.stdout.setEncoding('utf8');
      holder.stdout.on('data', (chunk: string) => (out += chunk));
      const exited = once(holder, 'exit');
      while (!out.includes('holding')) {
        if (holder.exitCode !== null) throw new Error(`the holder exited early: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      holder.kill('SIGKILL');
      await exited;
      const client = createClient({ servers: [address], protocol });
      try {
        let computes = 0;
        const r = await client.getOrCompute(key, () => ++computes, { leaseMs, waitMs: 20_000 });
        // It found the dead holder's lease, waited for it to end, then took it over.
        expect(r).toMatchObject({ outcome: 'computed', value: 1, reason: 'miss', stored: true });
        expect(r.waitedMs).toBeGreaterThan(0);
        expect(computes).toBe(1);
        expect(await client.getOrCompute(key, () => -1)).toMatchObject({
          outcome: 'hit',
          value: 1,
        });
      } finally {
        await client.close();
      }
    }, 60_000);
  });
}
