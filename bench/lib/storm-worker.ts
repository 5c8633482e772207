/**
 * One OS process of the retry-budget conflict storm: calls of
 * `update(key, n => n + 1)` on one hot key arrive at a fixed rate (open loop,
 * as requests do at a server: a slow or failed call does not slow the
 * arrivals), combining off, for `durationMs`, with or without the client's
 * `retryBudget`; then the calls still running are awaited. A call the budget
 * stops counts as stopped; one whose own deadline passes, as timed out.
 * Prints a JSON summary line.
 *
 * usage: storm-worker.ts <host:port> <durationMs> <callsPerSecond> <policy> <budget: on|off>
 */
import type * as Memcas from '../../src/index.js';

// The built package, as users run it (`npm run bench` builds it first).
const entry = '../../dist/index.js';
const { createClient, policyByName, isRetryBudgetExhaustedError, isRetryExhaustedError } =
  (await import(entry)) as typeof Memcas;

const [server = '', durationArg = '3000', rateArg = '1000', policy = 'fullJitter', budget = 'off'] =
  process.argv.slice(2);
const client = createClient({
  servers: [server],
  combineUpdates: false,
  retry: { policy: policyByName(policy), maxAttempts: 10_000, deadlineMs: 5_000 },
  retryBudget: budget === 'on',
  timeoutMs: 2_000,
});
const latencies: number[] = [];
let written = 0;
let stopped = 0;
let timedOut = 0;
let failed = 0;
let running = 0;
let mostRunning = 0;
const calls: Array<Promise<void>> = [];
const call = async (): Promise<void> => {
  const t0 = performance.now();
  running++;
  mostRunning = Math.max(mostRunning, running);
  try {
    await client.update<number>('storm', (n) => (n ?? 0) + 1);
    written++;
  } catch (err) {
    if (isRetryBudgetExhaustedError(err)) stopped++;
    else if (isRetryExhaustedError(err)) timedOut++;
    else failed++; // an answer lost on an overloaded machine: counted, not fatal
  } finally {
    running--;
    latencies.push(performance.now() - t0);
  }
};
const started = performance.now();
const durationMs = Number(durationArg);
const intervalMs = 1000 / Number(rateArg);
// Arrivals on a fixed schedule: each tick starts the calls that are due.
for (let due = 0; due < durationMs;) {
  const now = performance.now() - started;
  while (due <= now && due < durationMs) {
    calls.push(call());
    due += intervalMs;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(calls);
const seconds = (performance.now() - started) / 1000;
await client.close();
console.log(
  JSON.stringify({ written, stopped, timedOut, failed, mostRunning, latencies, seconds }),
);
