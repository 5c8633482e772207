/**
 * One chaos worker, a separate OS process (see chaos-check.ts): for a bounded
 * time and count, `concurrency` loops append unique ids (`<workerId>-<n>`) to
 * shared lists with `update()` and increment shared counters with
 * `incr(key, 1, { initial: 1 })`, recording what each call was told:
 * acknowledged, indeterminate (`INDETERMINATE_WRITE`: it may or may not have
 * taken effect) or a definite failure (its code). Prints one JSON line, a
 * {@link ChaosWorkerResult}.
 *
 * usage: node --import tsx test/helpers/chaos-worker.ts '<ChaosWorkerConfig as JSON>'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, isMemcasError, type ClientOptions, type Protocol } from '../../src/index.js';
import type {
  ChaosWorkerConfig,
  ChaosWorkerResult,
  CounterRecord,
  ListRecord,
} from './chaos-records.js';
import { seededRandom } from './fault-settings.js';

const config = JSON.parse(process.argv[2] ?? '') as ChaosWorkerConfig;
const options: ClientOptions = {
  servers: config.servers,
  timeoutMs: config.timeoutMs,
  connectTimeoutMs: config.connectTimeoutMs,
  retryAfterMs: config.retryAfterMs,
  retry: { deadlineMs: config.deadlineMs, maxAttempts: 1000 },
  ...(config.protocol === undefined ? {} : { protocol: config.protocol as Protocol }),
};
const client = createClient(options);
const random = seededRandom(config.seed);

const lists: Record<string, ListRecord> = {};
const counters: Record<string, CounterRecord> = {};
const failures: Record<string, number> = {};
const longest = { update: { ms: 0, outcome: 'none' }, incr: { ms: 0, outcome: 'none' } };
// A call can only be as punctual as the event loop: its stalls are reported beside the durations.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let lateSettled = 0;
let next = 0;

/** A memcas error by its code; anything else whole, so a surprise shows in the report. */
function codeOf(err: unknown): string {
  if (isMemcasError(err)) return err.code;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `non-Error thrown: ${String(err)}`;
}

type Outcome = { kind: 'acked' } | { kind: 'indeterminate' } | { kind: 'failed'; code: string };

function outcomeName(o: Outcome): string {
  return o.kind === 'failed' ? o.code : o.kind === 'acked' ? 'acknowledged' : 'INDETERMINATE_WRITE';
}

/** Runs one call, timing it; gives up waiting (`'hung'`) after `hangMs`. */
async function outcomeOf(
  op: 'update' | 'incr',
  call: () => Promise<unknown>,
): Promise<Outcome | 'hung'> {
  const started = performance.now();
  let hung = false;
  const settled = call().then(
    (): Outcome => ({ kind: 'acked' }),
    (err: unknown): Outcome =>
      isMemcasError(err, 'INDETERMINATE_WRITE')
        ? { kind: 'indeterminate' }
        : { kind: 'failed', code: codeOf(err) },
  );
  void settled.then((outcome) => {
    const ms = performance.now() - started;
    if (hung) lateSettled++;
    else if (ms > longest[op].ms) longest[op] = { ms, outcome: outcomeName(outcome) };
  });
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<'hung'>(
    (resolve) =>
      (timer = setTimeout(() => {
        hung = true;
        resolve('hung');
      }, config.hangMs)),
  );
  const result = await Promise.race([settled, watchdog]);
  clearTimeout(timer);
  return result;
}

/** Appends a fresh id to a list; resolves true when acknowledged. */
async function append(): Promise<boolean> {
  const epoch = Math.floor((Date.now() - config.startedAt) / config.epochMs);
  const key = `list:${epoch}:${Math.floor(random() * config.listKeys)}`;
  const id = `${config.workerId}-${next++}`;
  const rec = (lists[key] ??= { acked: [], indeterminate: [], failed: [], hung: [] });
  const outcome = await outcomeOf('update', () =>
    client.update<string[]>(key, (cur: string[] | undefined) => [...(cur ?? []), id]),
  );
  if (outcome === 'hung') rec.hung.push(id);
  else if (outcome.kind === 'acked') rec.acked.push(id);
  else if (outcome.kind === 'indeterminate') rec.indeterminate.push(id);
  else {
    rec.failed.push([id, outcome.code]);
    failures[outcome.code] = (failures[outcome.code] ?? 0) + 1;
  }
  return outcome !== 'hung' && outcome.kind === 'acked';
}

/** Increments a counter; resolves true when acknowledged. */
async function increment(): Promise<boolean> {
  const key = `ctr:${Math.floor(random() * config.counterKeys)}`;
  next++;
  const rec = (counters[key] ??= { acked: 0, indeterminate: 0, failed: 0, hung: 0 });
  const outcome = await outcomeOf('incr', () => client.incr(key, 1, { initial: 1 }));
  if (outcome === 'hung') rec.hung++;
  else if (outcome.kind === 'acked') rec.acked++;
  else if (outcome.kind === 'indeterminate') rec.indeterminate++;
  else {
    rec.failed++;
    failures[outcome.code] = (failures[outcome.code] ?? 0) + 1;
  }
  return outcome !== 'hung' && outcome.kind === 'acked';
}

const end = performance.now() + config.durationMs;
await Promise.all(
  Array.from({ length: config.concurrency }, async () => {
    while (performance.now() < end && next < config.maxCalls) {
      const ok = await (random() < config.updateShare ? append() : increment());
      // As an application would, pause after a failure rather than spin on a node marked down.
      if (!ok) await sleep(5 + random() * 20);
    }
  }),
);

let closeTimer: NodeJS.Timeout | undefined;
const closeHung = await Promise.race([
  client.close().then(() => false),
  new Promise<boolean>((resolve) => (closeTimer = setTimeout(() => resolve(true), 3000))),
]);
clearTimeout(closeTimer);
loopDelay.disable();

const result: ChaosWorkerResult = {
  workerId: config.workerId,
  lists,
  counters,
  failures,
  longest,
  eventLoopDelayMaxMs: loopDelay.max / 1e6,
  lateSettled,
  closeHung,
};
console.log(JSON.stringify(result));
// With everything closed the process ends now; a handle left open makes it fail instead.
setTimeout(() => {
  console.error(`worker ${config.workerId}: handles left open 2 s after close()`);
  process.exit(3);
}, 2000).unref();
