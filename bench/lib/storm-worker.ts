/**
 * One OS process of the retry-budget conflict storm: `loops` concurrent loops
 * of `update(key, n => n + 1)` on one key, combining off, for `durationMs`,
 * with or without the client's `retryBudget`. A call the budget stops is
 * counted and the loop goes on (as a caller that gives up would). Prints a
 * JSON summary line.
 *
 * usage: storm-worker.ts <host:port> <durationMs> <loops> <policy> <budget: on|off>
 */
import type * as Memcas from '../../src/index.js';

const { createClient, policyByName, isRetryBudgetExhaustedError } =
  (await import('../../dist/index.js')) as typeof Memcas;

const [server = '', durationArg = '3000', loopsArg = '64', policy = 'fullJitter', budget = 'off'] =
  process.argv.slice(2);
const client = createClient({
  servers: [server],
  combineUpdates: false,
  retry: { policy: policyByName(policy), maxAttempts: 10_000, deadlineMs: 120_000 },
  retryBudget: budget === 'on',
});
const latencies: number[] = [];
let written = 0;
let throttled = 0;
const end = performance.now() + Number(durationArg);
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(loopsArg) }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await client.update<number>('storm', (n) => (n ?? 0) + 1);
        written++;
      } catch (err) {
        if (!isRetryBudgetExhaustedError(err)) throw err;
        throttled++;
      }
      latencies.push(performance.now() - t0);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await client.close();
console.log(JSON.stringify({ written, throttled, latencies, seconds }));
