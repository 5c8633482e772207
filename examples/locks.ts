/**
 * Locks with fencing tokens. Three workers (three clients, as three
 * processes would have) share one job:
 *
 * 1. withLock: each worker runs the job's critical section only while it
 *    holds the lock, so a read-change-write of plain get/set loses nothing.
 * 2. The pause: a worker takes the lock and stalls past its TTL (a GC pause);
 *    another takes over and writes with its fence; when the first wakes up,
 *    its fenced write is refused with StaleFenceError instead of overwriting
 *    the newer result, and its release leaves the new holder's lock alone.
 *
 * Run: npx tsx examples/locks.ts [--smoke]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, isStaleFenceError, type Client } from 'memcas';
import { localCluster } from './lib/local-cluster.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 10 : 50;

async function main(): Promise<void> {
  const cluster = await localCluster(3);
  const workers: Client[] = [0, 1, 2].map(() => createClient(cluster.options));
  const [a, b] = workers as [Client, Client, Client];
  try {
    console.log(
      `1. ${workers.length} workers x ${ROUNDS} locked read-change-writes of one counter`,
    );
    await a.set('job:runs', 0);
    await Promise.all(
      workers.map(async (w) => {
        for (let i = 0; i < ROUNDS; i++) {
          await w.withLock('job', async () => {
            const runs = (await w.get<number>('job:runs')) ?? 0;
            await sleep(1); // the slow part of the job
            await w.set('job:runs', runs + 1);
          });
        }
      }),
    );
    const runs = await a.get<number>('job:runs');
    console.log(`   job:runs = ${runs} (expected ${workers.length * ROUNDS})`);
    if (runs !== workers.length * ROUNDS) throw new Error('a locked update was lost');

    console.log('2. A worker pauses past its lock TTL');
    const first = await a.lock('report', { ttlMs: 1000, waitMs: 0 });
    console.log(`   worker A holds the lock, fencing token ${first.fencingToken}`);
    await a.set('report:result', 'draft by A', { fence: first });
    await sleep(2_100); // A stalls; the lock expires on the server (1 s TTL, whole seconds)
    const second = await b.lock('report', { waitMs: 5_000 });
    console.log(`   worker B takes over, fencing token ${second.fencingToken}`);
    await b.set('report:result', 'final by B', { fence: second });
    try {
      await a.set('report:result', 'late draft by A', { fence: first });
      throw new Error("A's late write was accepted");
    } catch (err) {
      if (!isStaleFenceError(err)) throw err;
      console.log(`   A wakes up and writes: refused (${err.code}, ${err.reason})`);
    }
    console.log(`   A's release: ${await first.release()} (B's lock is untouched)`);
    console.log(`   report:result = ${JSON.stringify(await a.get('report:result'))}`);
    await second.release();
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
