import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, percentile, printTable, throughput } from './lib/measure.js';

const { BACKOFF_POLICIES, createClient } = await loadMemcas();

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test/helpers/lock-worker.ts', import.meta.url));

/** Uncontended acquire + release pairs per second. */
export interface UncontendedLockRow {
  readonly protocol: string;
  readonly inFlight: number;
  readonly pairsPerSec: number;
}

/** 4 processes contending for one lock with one backoff policy. */
export interface ContendedLockRow {
  readonly policy: string;
  /** Acquisitions per second over the 4 processes. */
  readonly acquisitionsPerSec: number;
  /**
   * Handoffs per second: acquisitions by another process than the one
   * before (in fencing-token order, which is acquisition order).
   */
  readonly handoffsPerSec: number;
  readonly waitP50Ms: number;
  readonly waitP99Ms: number;
  /** The smallest and largest share of acquisitions one process got. */
  readonly minShare: number;
  readonly maxShare: number;
}

/** The results of the locks section. */
export interface LockResults {
  readonly uncontended: UncontendedLockRow[];
  readonly contended: ContendedLockRow[];
}

/**
 * Locks on one node: uncontended `lock()` + `release()` pairs per second (1
 * in flight on one key; 16 in flight on 16 keys), then 4 OS processes taking
 * and releasing one lock in a loop with each backoff policy: acquisitions and
 * handoffs (a different process taking the lock next) per second, and each
 * acquisition's wait.
 */
export async function benchLocks(node: MemcachedNode, seconds: number): Promise<LockResults> {
  const uncontended: UncontendedLockRow[] = [];
  for (const protocol of ['binary', 'meta'] as const) {
    const client = createClient({ servers: [node.address], protocol });
    for (const inFlight of [1, 16]) {
      const t = await throughput(inFlight, seconds, async (w) => {
        const lock = await client.lock(`bench:lock:${w}`, { waitMs: 0 });
        await lock.release();
      });
      uncontended.push({ protocol, inFlight, pairsPerSec: t.perSecond });
    }
    await client.close();
  }
  printTable(
    ['protocol', 'in flight', 'acquire+release pairs/s'],
    uncontended.map((r) => [r.protocol, String(r.inFlight), fmt(r.pairsPerSec)]),
  );

  const contended: ContendedLockRow[] = [];
  for (const policy of Object.keys(BACKOFF_POLICIES)) {
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(
          process.execPath,
          [
            '--import',
            'tsx',
            worker,
            'contend',
            node.address,
            'bench:hot',
            String(seconds * 1000),
            policy,
          ],
          {
            env: { ...process.env, MEMCAS_ENTRY: 'dist' },
            timeout: 600_000,
            maxBuffer: 64 * 1024 * 1024,
          },
        ),
      ),
    );
    const perProcess = outs.map(
      ({ stdout }) =>
        JSON.parse(stdout.trim().split('\n').pop()!) as { waits: number[]; tokens: string[] },
    );
    const waits = perProcess.flatMap((p) => p.waits).sort((a, b) => a - b);
    const shares = perProcess.map((p) => p.waits.length / Math.max(1, waits.length));
    // Fencing tokens order every acquisition of the lock: count the changes of holder.
    const order = perProcess
      .flatMap((p, i) => p.tokens.map((t) => ({ token: BigInt(t), process: i })))
      .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
    const handoffs = order.filter((a, i) => i > 0 && a.process !== order[i - 1]!.process).length;
    contended.push({
      policy,
      acquisitionsPerSec: waits.length / seconds,
      handoffsPerSec: handoffs / seconds,
      waitP50Ms: percentile(waits, 50),
      waitP99Ms: percentile(waits, 99),
      minShare: Math.min(...shares),
      maxShare: Math.max(...shares),
    });
    process.stderr.write(`  locks: ${policy}: done\n`);
  }
  printTable(
    [
      'policy (4 processes, one lock)',
      'acquisitions/s',
      'handoffs/s',
      'wait p50 ms',
      'wait p99 ms',
      'share min-max',
    ],
    contended.map((r) => [
      r.policy,
      fmt(r.acquisitionsPerSec),
      fmt(r.handoffsPerSec),
      fmt(r.waitP50Ms, 2),
      fmt(r.waitP99Ms, 2),
      `${fmt(r.minShare * 100)}-${fmt(r.maxShare * 100)}%`,
    ]),
  );
  return { uncontended, contended };
}
