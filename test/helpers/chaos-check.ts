/**
 * The chaos check: worker processes append unique ids to shared lists with
 * `update()` and increment shared counters with `incr()` through
 * {@link FaultProxy}s in front of real memcached nodes; then every list and
 * counter is read back directly from the nodes and held against what each
 * call was told.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChaosWorkerConfig, ChaosWorkerResult, CounterRecord } from './chaos-records.js';
import type { ChaosReport, ChaosRow } from './chaos-report.js';
import { FaultProxy, type FaultSettings, type FaultStats } from './fault-proxy.js';
import { startMemcached, type MemcachedNode } from './memcached-node.js';
import { TextClient } from './text-protocol.js';

export { chaosTable, type ChaosReport, type ChaosRow } from './chaos-report.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./chaos-worker.ts', import.meta.url));
// `--import tsx` is resolved from the working directory: the repository's.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** @defaultValue 3 */
  readonly workers?: number;
  /** How long the workers make calls, in ms. @defaultValue 3000 */
  readonly durationMs?: number;
  /** Call loops per worker. @defaultValue 8 */
  readonly concurrency?: number;
  /** Calls per worker at most. @defaultValue Infinity */
  readonly maxCalls?: number;
  /** The proxies' faults. @defaultValue {@link DEFAULT_CHAOS_FAULTS} */
  readonly faults?: FaultSettings;
  /** Seeds the proxies (seed + i) and workers' key choices. @defaultValue 1 */
  readonly seed?: number;
  /** `createClient`'s `protocol`; omitted, the client's default. @defaultValue none */
  readonly protocol?: string;
  /** The client's `timeoutMs`. @defaultValue 200 */
  readonly timeoutMs?: number;
  /** The client's `connectTimeoutMs`. @defaultValue 300 */
  readonly connectTimeoutMs?: number;
  /** `update()`'s `deadlineMs`. @defaultValue 1000 */
  readonly deadlineMs?: number;
  /**
   * Runs beside the workers, for faults on cue (`proxies[i]` fronts node i):
   * `proxies[0].partition(400)`, `proxies[1].resetAll()`…
   * @defaultValue none
   */
  readonly during?: (proxies: readonly FaultProxy[]) => Promise<void>;
  /** Progress lines. @defaultValue none */
  readonly log?: (line: string) => void;
}

/** Faults of every kind, often enough that a few seconds see each several times. */
export const DEFAULT_CHAOS_FAULTS: Readonly<FaultSettings> = Object.freeze({
  cutRequest: 0.0003,
  cutReply: 0.0003,
  dropReply: 0.0003,
  delayReply: 0.002,
  partition: 0.0001,
  resetConnection: 0.05,
  delayReplyMs: [20, 400] as const,
  partitionMs: [100, 800] as const,
  dropReplyCloseMs: [300, 1500] as const,
});

/**
 * Starts 3 memcached nodes, a {@link FaultProxy} before each, and `workers`
 * worker processes talking to the proxies for `durationMs`; then reads every
 * list and counter from the nodes (not through the proxies) and checks each
 * call's outcome against them. Stops everything it started.
 * @example
 * ```ts
 * const report = await runChaos({ workers: 2, durationMs: 2000 });
 * console.log(chaosTable(report));
 * ```
 */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const workers = options.workers ?? 3;
  const durationMs = options.durationMs ?? 3000;
  const seed = options.seed ?? 1;
  const timeoutMs = options.timeoutMs ?? 200;
  const deadlineMs = options.deadlineMs ?? 1000;
  const hangMs = deadlineMs + 5000;
  const log = options.log ?? (() => undefined);
  const nodes: MemcachedNode[] = [];
  const proxies: FaultProxy[] = [];
  try {
    nodes.push(...(await startMemcached(3)));
    for (const [i, node] of nodes.entries()) {
      proxies.push(
        await FaultProxy.start({
          target: node.address,
          seed: seed + i,
          faults: options.faults ?? DEFAULT_CHAOS_FAULTS,
        }),
      );
    }
    const base = {
      servers: proxies.map((p) => p.address),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
      durationMs,
      maxCalls: options.maxCalls ?? Number.MAX_SAFE_INTEGER,
      concurrency: options.concurrency ?? 8,
      listKeys: 8,
      epochMs: 2000,
      startedAt: Date.now(),
      counterKeys: 4,
      updateShare: 0.7,
      timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? 300,
      deadlineMs,
      retryAfterMs: 100,
      hangMs,
    };
    log(`${workers} workers for ${durationMs} ms through ${base.servers.join(', ')}`);
    const problems: string[] = [];
    const scripted = (async () => options.during?.(proxies))().catch((err: unknown) => {
      problems.push(`the during() script failed: ${String(err)}`);
    });
    const results = await Promise.all(
      Array.from({ length: workers }, (_, workerId) =>
        runWorker(
          { ...base, workerId, seed: seed * 1000 + workerId },
          durationMs + hangMs + 30_000,
          problems,
        ),
      ),
    );
    await scripted;
    // Nothing held by a partition may land after the read: close the proxies first.
    const faults = sumStats(proxies.map((p) => p.stats));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    log('reading every list and counter back from the nodes');
    const report = await check(nodes, results, problems, timeoutMs, deadlineMs);
    return {
      ...report,
      faults,
      settings: { workers, durationMs, seed, protocol: options.protocol ?? 'default' },
    };
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

async function runWorker(
  config: ChaosWorkerConfig,
  timeout: number,
  problems: string[],
): Promise<ChaosWorkerResult | undefined> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', WORKER, JSON.stringify(config)],
      { cwd: ROOT, timeout, maxBuffer: 512 * 1024 * 1024 },
    );
    if (stderr.trim()) problems.push(`worker ${config.workerId} wrote to stderr: ${stderr.trim()}`);
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChaosWorkerResult;
  } catch (err) {
    const e = err as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string };
    problems.push(
      `worker ${config.workerId} failed (exit ${String(e.code)}, signal ${String(e.signal)}): ${(e.stderr ?? String(err)).trim()}`,
    );
    // A worker that printed its line but did not exit (handles left open) still counts.
    const last = e.stdout?.trim().split('\n').pop();
    try {
      return last ? (JSON.parse(last) as ChaosWorkerResult) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Reads each key from every node over the text protocol: independent of the client under test. */
async function readAll(nodes: readonly MemcachedNode[], keys: readonly string[]): Promise<Stored> {
  const found: Stored = new Map();
  for (const node of nodes) {
    const text = await TextClient.open(node.host, node.port);
    try {
      for (const key of keys) {
        const hit = await text.gets(key);
        if (hit) found.set(key, [...(found.get(key) ?? []), { node: node.address, ...hit }]);
      }
    } finally {
      text.close();
    }
  }
  return found;
}

type Tally = Omit<ChaosRow, 'op' | 'longestPastBoundMs' | 'longestOutcome'>;
type Stored = Map<string, Array<{ node: string; value: string; flags: number }>>;

function emptyTally(): { -readonly [K in keyof Tally]: number } {
  return {
    calls: 0,
    acknowledged: 0,
    indeterminate: 0,
    indeterminateApplied: 0,
    definite: 0,
    definiteApplied: 0,
    lost: 0,
    duplicated: 0,
    hung: 0,
  };
}

async function check(
  nodes: readonly MemcachedNode[],
  results: ReadonlyArray<ChaosWorkerResult | undefined>,
  problems: string[],
  timeoutMs: number,
  deadlineMs: number,
): Promise<Omit<ChaosReport, 'faults' | 'settings'>> {
  const done = results.filter((r): r is ChaosWorkerResult => r !== undefined);
  const listKeys = [...new Set(done.flatMap((r) => Object.keys(r.lists)))];
  const counterKeys = [...new Set(done.flatMap((r) => Object.keys(r.counters)))];
  const stored = await readAll(nodes, [...listKeys, ...counterKeys]);
  // With onNodeDown 'fail' (the default) keys never move: one copy each.
  for (const [key, copies] of stored) {
    if (copies.length > 1)
      problems.push(`${key} is on ${copies.length} nodes: ${copies.map((c) => c.node).join(', ')}`);
  }
  const failures: Record<string, number> = {};
  for (const r of done) {
    for (const [code, n] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + n;
    if (r.closeHung)
      problems.push(`worker ${r.workerId}: client.close() did not settle within 3 s`);
    if (r.lateSettled > 0)
      problems.push(`worker ${r.workerId}: ${r.lateSettled} hung calls settled later`);
  }
  const lists = checkLists(done, listKeys, stored, problems);
  const counters = checkCounters(done, counterKeys, stored, problems);
  if (lists.hung + counters.hung > 0) problems.push(`${lists.hung + counters.hung} calls hung`);
  const longest = (op: 'update' | 'incr', bound: number) => {
    const worst = done
      .map((r) => r.longest[op])
      .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, outcome: 'none' });
    return { longestPastBoundMs: worst.ms - bound, longestOutcome: worst.outcome };
  };
  return {
    rows: [
      { op: 'update (append)', ...lists, ...longest('update', deadlineMs) },
      { op: 'incr', ...counters, ...longest('incr', timeoutMs) },
    ],
    failures,
    problems,
    eventLoopDelayMaxMs: Math.max(0, ...done.map((r) => r.eventLoopDelayMaxMs)),
  };
}

/** Each id: acknowledged ones present once, definite failures absent, none twice. */
function checkLists(
  done: readonly ChaosWorkerResult[],
  listKeys: readonly string[],
  stored: Stored,
  problems: string[],
): Tally {
  const occurrences = new Map<string, number>();
  for (const key of listKeys) {
    for (const copy of stored.get(key) ?? []) {
      let ids: unknown;
      try {
        ids = JSON.parse(copy.value);
      } catch {
        ids = undefined;
      }
      if (!Array.isArray(ids)) {
        problems.push(`${key} on ${copy.node} is not a JSON list: ${copy.value.slice(0, 80)}`);
        continue;
      }
      for (const id of ids) occurrences.set(String(id), (occurrences.get(String(id)) ?? 0) + 1);
    }
  }
  const t = emptyTally();
  const seen = new Set<string>();
  // A few examples of each kind of violation are enough to start from.
  const sample = (what: string, id: string, key: string): void => {
    if (problems.filter((p) => p.startsWith(what)).length < 5)
      problems.push(`${what}: ${id} in ${key}`);
  };
  for (const r of done) {
    for (const [key, rec] of Object.entries(r.lists)) {
      const count = (id: string): number => {
        seen.add(id);
        const n = occurrences.get(id) ?? 0;
        if (n > 1) {
          t.duplicated++;
          sample('duplicated', id, key);
        }
        return n;
      };
      for (const id of rec.acked) {
        if (count(id) === 0) {
          t.lost++;
          sample('lost (acknowledged, absent)', id, key);
        }
      }
      for (const id of [...rec.indeterminate, ...rec.hung])
        if (count(id) > 0) t.indeterminateApplied++;
      for (const [id, code] of rec.failed) {
        if (count(id) > 0) {
          t.definiteApplied++;
          sample(`applied despite a definite failure (${code})`, id, key);
        }
      }
      t.acknowledged += rec.acked.length;
      t.indeterminate += rec.indeterminate.length;
      t.definite += rec.failed.length;
      t.hung += rec.hung.length;
    }
  }
  t.calls = t.acknowledged + t.indeterminate + t.definite + t.hung;
  for (const id of occurrences.keys())
    if (!seen.has(id)) sample('present but never appended', id, '');
  return t;
}

/** Each counter: at least every acknowledged increment, at most those plus the indeterminate ones. */
function checkCounters(
  done: readonly ChaosWorkerResult[],
  counterKeys: readonly string[],
  stored: Stored,
  problems: string[],
): Tally {
  const t = emptyTally();
  for (const key of counterKeys) {
    const recs = done
      .map((r) => r.counters[key])
      .filter((c): c is CounterRecord => c !== undefined);
    const sum = (f: (c: CounterRecord) => number): number => recs.reduce((s, c) => s + f(c), 0);
    const acked = sum((c) => c.acked);
    const maybe = sum((c) => c.indeterminate + c.hung);
    const copy = stored.get(key)?.[0];
    const value = copy === undefined ? 0 : Number(copy.value.trim());
    if (value < acked) problems.push(`counter ${key} is ${value}, below ${acked} acknowledged`);
    if (value > acked + maybe)
      problems.push(
        `counter ${key} is ${value}, above ${acked} acknowledged + ${maybe} indeterminate`,
      );
    t.acknowledged += acked;
    t.indeterminate += sum((c) => c.indeterminate);
    t.hung += sum((c) => c.hung);
    t.definite += sum((c) => c.failed);
    t.indeterminateApplied += Math.min(Math.max(0, value - acked), maybe);
    t.lost += Math.max(0, acked - value);
    t.definiteApplied += Math.max(0, value - acked - maybe);
  }
  t.calls = t.acknowledged + t.indeterminate + t.definite + t.hung;
  return t;
}

function sumStats(all: readonly FaultStats[]): FaultStats {
  const sum = { ...(all[0] as FaultStats) };
  for (const s of all.slice(1)) {
    for (const k of Object.keys(sum) as Array<keyof FaultStats>) sum[k] += s[k];
  }
  return sum;
}
