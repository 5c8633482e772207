/**
 * A separate OS process for getOrCompute's multi-process tests and benchmark.
 *
 * usage: compute-worker.ts <host:port,...> <protocol> <mode> <key> [callers] [computeMs] [startAtMs] [leaseMs]
 *
 * - `lease`: `callers` concurrent `getOrCompute(key)` calls, started together
 *   at the wall-clock time `startAtMs` (so several processes start at once);
 *   each compute sleeps `computeMs` and returns this process's id. Prints one
 *   JSON line: computes run here, each caller's value and outcome, latencies.
 * - `naive`: the same stampede without getOrCompute (get; on a miss compute
 *   and set), the pattern getOrCompute replaces.
 * - `hold`: takes the key's lease (`leaseMs`) with a compute that never
 *   finishes, prints `holding` once the compute runs, and waits to be killed.
 */
import type * as Memcas from '../../src/index.js';

// Tests run the source; the benchmarks ask for the built package (MEMCAS_ENTRY=dist).
const entry = process.env.MEMCAS_ENTRY === 'dist' ? '../../dist/index.js' : '../../src/index.js';
const { createClient } = (await import(entry)) as typeof Memcas;

const [
  servers = '',
  protocol = 'binary',
  mode = 'lease',
  key = 'cold',
  callersArg = '50',
  computeMsArg = '200',
  startAtArg = '0',
  leaseMsArg = '3000',
] = process.argv.slice(2);
const callers = Number(callersArg);
const computeMs = Number(computeMsArg);
const startAt = Number(startAtArg);
const leaseMs = Number(leaseMsArg);

const client = createClient({
  servers: servers.split(','),
  protocol: protocol as Memcas.Protocol,
  drainTimeoutMs: 10,
  // A loaded machine (4 processes starting at once on 2 cores) answers slowly.
  timeoutMs: 5000,
  connectTimeoutMs: 5000,
});

let computes = 0;
const compute = async (): Promise<{ by: number }> => {
  computes++;
  await new Promise((resolve) => setTimeout(resolve, computeMs));
  return { by: process.pid };
};

if (mode === 'hold') {
  await client.getOrCompute(
    key,
    () => {
      console.log('holding');
      return new Promise<{ by: number }>(() => {});
    },
    { leaseMs },
  );
} else {
  const delay = startAt - Date.now();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  // How late this process started its callers (a loaded machine may not have it ready in time).
  const lateMs = Math.max(0, Date.now() - startAt);
  const one = async (): Promise<{ value: number; outcome: string; ms: number }> => {
    const t0 = performance.now();
    if (mode === 'naive') {
      const hit = await client.get<{ by: number }>(key);
      if (hit !== undefined) return { value: hit.by, outcome: 'hit', ms: performance.now() - t0 };
      const value = await compute();
      await client.set(key, value, { ttlSeconds: 300 });
      return { value: value.by, outcome: 'computed', ms: performance.now() - t0 };
    }
    const r = await client.getOrCompute(key, compute, {
      ttlSeconds: 300,
      leaseMs,
      waitMs: 30_000,
    });
    return { value: r.value.by, outcome: r.outcome, ms: performance.now() - t0 };
  };
  const results = await Promise.all(Array.from({ length: callers }, one));
  await client.close();
  console.log(
    JSON.stringify({
      pid: process.pid,
      lateMs,
      computes,
      values: results.map((r) => r.value),
      outcomes: results.map((r) => r.outcome),
      latencies: results.map((r) => r.ms),
    }),
  );
}
