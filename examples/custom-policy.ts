/**
 * Writing a backoff policy of your own: any object with a name and a pure
 * delay() function. Here: Fibonacci delays with full jitter, capped.
 *
 * Run: npx tsx examples/custom-policy.ts
 */
import { createClient, none, type BackoffInput, type BackoffPolicy } from 'memcas';
import { localCluster } from './lib/local-cluster.js';

function fibonacciJitter(capMs = 100): BackoffPolicy {
  return Object.freeze({
    name: 'fibonacciJitter',
    delay({ attempt, random }: BackoffInput) {
      let [a, b] = [1, 1];
      for (let i = 1; i < attempt; i++) [a, b] = [b, a + b];
      return random() * Math.min(capMs, a);
    },
  });
}

const smoke = process.argv.includes('--smoke');

async function main(): Promise<void> {
  const cluster = await localCluster(1);
  try {
    for (const policy of [none(), fibonacciJitter()]) {
      // 16 writers as separate clients (no in-process combining), one hot key.
      const writers = Array.from({ length: 16 }, () =>
        createClient({
          ...cluster.options,
          retry: { policy, maxAttempts: 1000, deadlineMs: 30_000 },
        }),
      );
      await writers[0]!.set('hot', 0);
      let attempts = 0;
      const started = performance.now();
      const perWriter = smoke ? 20 : 100;
      await Promise.all(
        writers.map(async (w) => {
          for (let i = 0; i < perWriter; i++) {
            // Read attempts only after the await: `attempts += (await …)` would read it
            // before, and concurrent loops would overwrite each other (a lost update).
            const r = await w.update<number>('hot', (n) => n! + 1);
            attempts += r.attempts;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const total = await writers[0]!.get<number>('hot');
      console.log(
        `${policy.name.padEnd(16)} ${total} updates, ${(attempts / total!).toFixed(2)} attempts each, ${Math.round(total! / seconds)} updates/s`,
      );
      await Promise.all(writers.map((w) => w.close()));
    }
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
