/**
 * A separate OS process for the lock tests and benchmark. Prints JSON lines.
 *
 * usage:
 *   lock-worker.ts count <host:port,...> <key> <sections> <lock|none> [policy]
 *     runs `sections` critical sections that read the counter `key` with a
 *     plain get, sleep 1 ms and write it back + 1 with a plain set: inside
 *     withLock(key) with `lock`, bare with `none` (the control).
 *   lock-worker.ts pause <host:port,...> <lockKey> <dataKey>
 *     takes the lock (ttlMs 1000), writes `dataKey` fenced, prints its token,
 *     then waits for a line on stdin (the test SIGSTOPs it meanwhile); then
 *     writes again with the same fence, extends and releases, and prints what happened.
 *   lock-worker.ts contend <host:port,...> <key> <durationMs> [policy]
 *     acquires and releases the lock `key` in a loop for `durationMs`, and
 *     prints each acquisition's wait and fencing token (for bench/locks.ts).
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Memcas from '../../src/index.js';

// Tests run the source; the benchmarks ask for the built package (MEMCAS_ENTRY=dist).
const entry = process.env.MEMCAS_ENTRY === 'dist' ? '../../dist/index.js' : '../../src/index.js';
const { createClient, policyByName, isMemcasError } = (await import(entry)) as typeof Memcas;

const [mode = '', servers = '', ...rest] = process.argv.slice(2);
const client = createClient({ servers: servers.split(',') });

if (mode === 'count') {
  const [key = 'counter', sectionsArg = '200', locked = 'lock', policyName = 'constant'] = rest;
  const policy = policyByName(policyName);
  const section = async (): Promise<void> => {
    const n = (await client.get<number>(key)) ?? 0;
    await sleep(1);
    await client.set(key, n + 1);
  };
  for (let i = 0; i < Number(sectionsArg); i++) {
    if (locked === 'lock') await client.withLock(key, section, { waitMs: 120_000, policy });
    else await section();
  }
  console.log(JSON.stringify({ sections: Number(sectionsArg) }));
} else if (mode === 'pause') {
  const [lockKey = 'job', dataKey = 'job:result'] = rest;
  const lock = await client.lock(lockKey, { ttlMs: 1000, waitMs: 0 });
  await client.set(dataKey, 'first holder', { fence: lock });
  console.log(JSON.stringify({ token: lock.fencingToken.toString() }));
  // Wait for the test's go-ahead (it SIGSTOPs this process meanwhile).
  await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next();
  let late: string;
  try {
    await client.set(dataKey, 'first holder, late', { fence: lock });
    late = 'written';
  } catch (err) {
    late = isMemcasError(err)
      ? `${err.code}:${(err as Memcas.StaleFenceError).reason}`
      : String(err);
  }
  const extended = await lock.extend();
  const released = await lock.release();
  console.log(JSON.stringify({ late, extended, released }));
} else if (mode === 'contend') {
  const [key = 'hot', durationArg = '3000', policyName = 'decorrelatedJitter'] = rest;
  const policy = policyByName(policyName);
  const end = performance.now() + Number(durationArg);
  const waits: number[] = [];
  const tokens: string[] = [];
  while (performance.now() < end) {
    const t0 = performance.now();
    const lock = await client.lock(key, { waitMs: 60_000, policy });
    waits.push(performance.now() - t0);
    tokens.push(lock.fencingToken.toString());
    await lock.release();
  }
  console.log(JSON.stringify({ waits, tokens }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
await client.close();
