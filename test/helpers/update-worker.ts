/**
 * A separate OS process for multi-process tests and benchmarks: runs
 * `loops` concurrent loops of `update(key, n => n + 1)` over `keys` keys and
 * prints a JSON summary line.
 *
 * usage: update-worker.ts <host:port,...> <keys> <updatesPerLoop | durationMs+"ms"> <loops> [policy] [combine] [protocol]
 * With a duration ("3000ms"), each loop runs until it is over (a throughput
 * measurement); with a count, each loop does that many updates (a correctness test).
 */
import type * as Memcas from '../../src/index.js';

// Tests run the source; the benchmarks ask for the built package (MEMCAS_ENTRY=dist).
const entry = process.env.MEMCAS_ENTRY === 'dist' ? '../../dist/index.js' : '../../src/index.js';
const { createClient, policyByName } = (await import(entry)) as typeof Memcas;

const [
  servers = '',
  keysArg = '4',
  updatesArg = '100',
  loopsArg = '4',
  policyName = 'decorrelatedJitter',
  combineArg = 'true',
  protocol = '',
] = process.argv.slice(2);
const keys = Number(keysArg);
const durationMs = updatesArg.endsWith('ms') ? Number(updatesArg.slice(0, -2)) : Infinity;
const updates = updatesArg.endsWith('ms') ? Infinity : Number(updatesArg);
const loops = Number(loopsArg);
const policy = policyByName(policyName);
const client = createClient({
  servers: servers.split(','),
  combineUpdates: combineArg === 'true',
  ...(protocol === '' ? {} : { protocol: protocol as Memcas.Protocol }),
  retry: { policy, maxAttempts: 10_000, deadlineMs: 120_000 },
});

const attempts: number[] = [];
const latencies: number[] = [];
const perKey = new Array<number>(keys).fill(0);
const started = performance.now();
const end = started + durationMs;
await Promise.all(
  Array.from({ length: loops }, async (_, loop) => {
    for (let i = 0; i < updates && performance.now() < end; i++) {
      const k = (loop + i) % keys;
      const t0 = performance.now();
      const r = await client.update<number>(`ctr:${k}`, (n) => (n ?? 0) + 1);
      latencies.push(performance.now() - t0);
      attempts.push(r.attempts);
      perKey[k] = (perKey[k] ?? 0) + 1;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await client.close();
console.log(JSON.stringify({ perKey, attempts, latencies, seconds }));
