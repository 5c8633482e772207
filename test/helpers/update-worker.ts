/**
 * A separate OS process for multi-process tests and benchmarks: runs
 * `loops` concurrent loops of `update(key, n => n + 1)` over `keys` keys and
 * prints a JSON summary line.
 *
 * usage: update-worker.ts <host:port,... | discovery=host:port> <keys> <updatesPerLoop | durationMs+"ms"> <loops> [policy] [combine] [protocol]
 * With `discovery=host:port` the nodes come from that configuration endpoint
 * (polled every 50 ms), and the summary also counts the failed polls and the
 * membership changes seen.
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
const discovery = servers.startsWith('discovery=') ? servers.slice('discovery='.length) : undefined;
const seen = { discoveryErrors: 0, membershipChanges: 0 };
const client = createClient({
  ...(discovery === undefined
    ? { servers: servers.split(',') }
    : {
        discovery: {
          endpoint: discovery,
          intervalMs: 50,
          timeoutMs: 200,
          onDiscoveryError: () => seen.discoveryErrors++,
          onMembershipChange: () => seen.membershipChanges++,
        },
      }),
  combineUpdates: combineArg === 'true',
  ...(protocol === '' ? {} : { protocol: protocol as Memcas.Protocol }),
  retry: { policy, maxAttempts: 10_000, deadlineMs: 120_000 },
});

if (discovery !== undefined) await client.ready();
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
console.log(
  JSON.stringify({
    perKey,
    attempts,
    latencies,
    seconds,
    ...(discovery === undefined ? {} : seen),
  }),
);
