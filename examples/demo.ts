/**
 * npm run demo — the lost-update problem and how memcas solves it, on a local
 * 3-node memcached cluster (started and stopped here), on your own cluster
 * (--servers), or on the embedded store when memcached is not available.
 * `npm run demo -- --help` lists the flags.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import {
  BACKOFF_POLICIES,
  createClient,
  isInvalidArgumentError,
  MemoryStore,
  policyByName,
  type BackoffPolicyName,
  type Client,
  type ClientOptions,
} from 'memcas';
import {
  startLocalMemcached,
  stopLocalMemcached,
  type LocalMemcached,
} from './lib/local-memcached.js';

const POLICY_NAMES = Object.keys(BACKOFF_POLICIES) as BackoffPolicyName[];
const DEFAULT_POLICY: BackoffPolicyName = 'decorrelatedJitter';
const MAX_WORKERS = 256;
const MAX_UPDATES = 100_000;
/** The demo's keys expire on their own even if it is killed before it can delete them. */
const TTL_SECONDS = 600;
const PROFILE_KEY = 'user:1001';
const COUNTER_KEY = 'page:hits';

const USAGE = `Usage: npm run demo -- [options]

Workers (separate clients, like separate servers) each apply changes to a shared
profile and a counter: first with plain get + set, which loses changes, then with
update(), which loses none, then under each backoff policy.

Options:
  --servers host:port,...  use your memcached cluster instead of three local nodes;
                           the demo writes 2 keys under a unique prefix, deletes
                           them when it ends (Ctrl+C too), and gives them a
                           ${TTL_SECONDS / 60}-minute TTL in case it is killed
  --workers N              concurrent workers, 1 to ${MAX_WORKERS} (default 8)
  --updates N              changes per worker, 1 to ${MAX_UPDATES.toLocaleString('en-US')} (default 200)
  --policy NAME[,NAME...]  backoff policies to compare (default: all of them):
                           ${POLICY_NAMES.join(', ')}
  --smoke                  a short run (4 workers, 25 changes each), as CI runs it
  -h, --help               print this and exit

Exit status: 0 when update() lost nothing, 1 when it lost a change, 2 for a bad
flag, 130 when interrupted.`;

interface Flags {
  readonly servers: readonly string[] | undefined;
  readonly workers: number;
  readonly updates: number;
  readonly policies: readonly BackoffPolicyName[];
}

function usageError(message: string): never {
  console.error(`demo: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function count(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    usageError(`--${flag} must be a whole number from 1 to ${max}, not ${JSON.stringify(text)}`);
  }
  return n;
}

const OPTIONS = {
  servers: { type: 'string' },
  workers: { type: 'string' },
  updates: { type: 'string' },
  policy: { type: 'string' },
  smoke: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseFlags(argv: string[]): Flags {
  const values = (() => {
    try {
      return parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
    } catch (err) {
      // Unknown flags, missing values and stray arguments.
      return usageError((err as Error).message);
    }
  })();
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const policies = values.policy?.split(',').map((p) => p.trim()) ?? POLICY_NAMES;
  for (const name of policies) {
    if (!POLICY_NAMES.includes(name as BackoffPolicyName)) {
      usageError(
        `--policy: unknown policy ${JSON.stringify(name)}; choose from ${POLICY_NAMES.join(', ')}`,
      );
    }
  }
  let servers: string[] | undefined;
  if (values.servers !== undefined) {
    servers = values.servers.split(',').map((s) => s.trim());
    try {
      // The client checks addresses when it is made, before connecting.
      void createClient({ servers }).close();
    } catch (err) {
      if (!isInvalidArgumentError(err)) throw err;
      usageError(`--servers: ${err.message}`);
    }
  }
  return {
    servers,
    workers: count('workers', values.workers, values.smoke ? 4 : 8, MAX_WORKERS),
    updates: count('updates', values.updates, values.smoke ? 25 : 200, MAX_UPDATES),
    policies: [...new Set(policies as BackoffPolicyName[])],
  };
}

const flags = parseFlags(process.argv.slice(2));
const { workers, updates } = flags;

// Ctrl+C (or SIGTERM) stops the workers, deletes the demo's keys and stops the
// local nodes; a second one exits at once.
const interrupted = new AbortController();
// Every update() in flight listens to it: two per worker.
setMaxListeners(workers * 2 + 10, interrupted.signal);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) {
      console.error(`\n${signal} again: exiting without cleaning up`);
      process.exit(130);
    }
    console.error(`\n${signal}: stopping the workers and cleaning up (again to exit at once)`);
    interrupted.abort();
  });
}

interface Profile {
  name: string;
  email: string;
  visits: number;
  lastEditor?: string;
}
const PROFILE: Profile = { name: 'Alice', email: 'alice@example.com', visits: 0 };

interface Row {
  run: string;
  updatesPerSec: number;
  conflicts: number | undefined;
  attemptsPerSuccess: number | undefined;
  lostProfile: number;
  lostCounter: number;
}

/** One worker's share of a run: `changes` changes to the profile and the counter. */
type Workload = (client: Client, worker: number, changes: number) => Promise<number>;

function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r  ${label}: ${done}/${total} changes${done === total ? '\n' : ''}`);
}

async function resetKeys(admin: Client): Promise<void> {
  await admin.set(PROFILE_KEY, PROFILE, { ttlSeconds: TTL_SECONDS });
  await admin.set(COUNTER_KEY, 0, { ttlSeconds: TTL_SECONDS });
}

/**
 * Measures one row the same way for every row: fresh clients, connected before
 * the clock starts, a warm-up round of the same work that is not counted, then
 * the timed round on freshly reset keys.
 */
async function measure(
  run: string,
  options: ClientOptions,
  admin: Client,
  work: Workload,
): Promise<Row | undefined> {
  const clients = Array.from({ length: workers }, () => createClient(options));
  try {
    await Promise.all(clients.map((c) => c.ping()));
    await resetKeys(admin);
    const warmUp = Math.max(5, Math.ceil(updates / 4));
    await Promise.all(clients.map((c, w) => work(c, w, warmUp)));
    if (interrupted.signal.aborted) return undefined;

    await resetKeys(admin);
    let done = 0;
    let attempts = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (c, w) => {
        for (let i = 0; i < updates && !interrupted.signal.aborted; i++) {
          // Await first: `attempts += await …` would read attempts before the
          // await, and the workers would overwrite each other's counts.
          const made = await work(c, w, 1);
          attempts += made;
          progress(run, ++done, workers * updates);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (interrupted.signal.aborted) return undefined;

    const expected = workers * updates;
    const profile = (await admin.get<Profile>(PROFILE_KEY))!;
    const hits = (await admin.get<number>(COUNTER_KEY))!;
    const plain = work === plainGetSet;
    return {
      run,
      updatesPerSec: (expected * 2) / seconds,
      conflicts: plain ? undefined : attempts - expected * 2,
      attemptsPerSuccess: plain ? undefined : attempts / (expected * 2),
      lostProfile: expected - profile.visits,
      lostCounter: expected - hits,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** The seed's race: read, change, write back, with nothing stopping two workers doing it at once. */
const plainGetSet: Workload = async (client, w, changes) => {
  for (let i = 0; i < changes && !interrupted.signal.aborted; i++) {
    const profile = (await client.get<Profile>(PROFILE_KEY))!;
    const hits = (await client.get<number>(COUNTER_KEY))!;
    await client.set(
      PROFILE_KEY,
      { ...profile, visits: profile.visits + 1, lastEditor: `worker-${w}` },
      { ttlSeconds: TTL_SECONDS },
    );
    await client.set(COUNTER_KEY, hits + 1, { ttlSeconds: TTL_SECONDS });
  }
  return changes;
};

/** The same changes with update(): gets, change, cas, and on a conflict back off and retry. */
const withUpdate: Workload = async (client, w, changes) => {
  let attempts = 0;
  const options = { ttlSeconds: TTL_SECONDS, signal: interrupted.signal };
  for (let i = 0; i < changes && !interrupted.signal.aborted; i++) {
    try {
      const [p, c] = await Promise.all([
        client.update<Profile>(
          PROFILE_KEY,
          (cur) => ({ ...cur!, visits: cur!.visits + 1, lastEditor: `worker-${w}` }),
          options,
        ),
        client.update<number>(COUNTER_KEY, (n) => (n ?? 0) + 1, options),
      ]);
      attempts += p.attempts + c.attempts;
    } catch (err) {
      if (interrupted.signal.aborted) break; // Ctrl+C: the row is thrown away
      throw err;
    }
  }
  return attempts;
};

function updateOptions(base: ClientOptions, policy: BackoffPolicyName): ClientOptions {
  return {
    ...base,
    retry: { policy: policyByName(policy), maxAttempts: 10_000, deadlineMs: 60_000 },
  };
}

function table(rows: readonly Row[]): void {
  const header = [
    'run',
    'updates/s',
    'conflicts',
    'attempts/success',
    'lost profile edits',
    'lost counter hits',
  ];
  const cells = rows.map((r) => [
    r.run,
    Math.round(r.updatesPerSec).toLocaleString('en-US'),
    r.conflicts?.toLocaleString('en-US') ?? '-',
    r.attemptsPerSuccess?.toFixed(2) ?? '-',
    String(r.lostProfile),
    String(r.lostCounter),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** Runs the three sections; undefined when interrupted. */
async function sections(base: ClientOptions, admin: Client): Promise<number | undefined> {
  const plain = await measure('plain get + set', base, admin, plainGetSet);
  if (!plain) return undefined;
  console.log('1. Plain get + set: the lost-update problem');
  table([plain]);
  console.log(
    `   ${plain.lostProfile + plain.lostCounter} of ${workers * updates * 2} changes were silently lost.\n`,
  );

  const first = flags.policies.includes(DEFAULT_POLICY) ? DEFAULT_POLICY : flags.policies[0]!;
  const fixed = await measure(`update(), ${first}`, updateOptions(base, first), admin, withUpdate);
  if (!fixed) return undefined;
  console.log('2. The same work with update(): gets, change, cas, retry on conflict');
  table([fixed]);
  console.log(`   ${fixed.lostProfile + fixed.lostCounter} changes lost.\n`);

  const rows = [fixed];
  if (flags.policies.length > 1) {
    for (const name of flags.policies.filter((p) => p !== first)) {
      const row = await measure(`update(), ${name}`, updateOptions(base, name), admin, withUpdate);
      if (!row) return undefined;
      rows.push(row);
    }
    console.log(
      '3. The same contention under each backoff policy (each row warmed up, then measured)',
    );
    table(rows);
  }

  const lost = rows.reduce((n, r) => n + r.lostProfile + r.lostCounter, 0);
  const under =
    rows.length === 1 ? `with ${first}` : `under every one of the ${rows.length} policies`;
  console.log(
    lost === 0
      ? `\nupdate() lost nothing ${under}.`
      : `\nFAILED: update() runs lost ${lost} changes.`,
  );
  return lost === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  // A prefix of our own: on your cluster the demo never touches keys it did not write.
  const keyPrefix = `memcas-demo:${randomBytes(4).toString('hex')}:`;
  let base: ClientOptions;
  let nodes: LocalMemcached[] = [];
  if (flags.servers) {
    base = { servers: flags.servers, keyPrefix };
    console.log(`memcas demo — on the memcached cluster you gave: ${flags.servers.join(', ')}`);
    console.log(
      `  keys: ${keyPrefix}${PROFILE_KEY} and ${keyPrefix}${COUNTER_KEY}, deleted at the end (TTL ${TTL_SECONDS} s)`,
    );
  } else {
    try {
      nodes = await startLocalMemcached(3);
      base = { servers: nodes.map((n) => n.address), keyPrefix };
      console.log(
        `memcas demo — started a local 3-node memcached cluster: ${nodes.map((n) => n.address).join(', ')}`,
      );
    } catch (err) {
      base = { memory: new MemoryStore(), keyPrefix };
      console.log(
        'memcas demo — memcached is not available: running on the embedded in-process store',
      );
      console.log(`  (${(err as Error).message})`);
    }
  }
  console.log(
    `${workers} workers (separate clients, like separate servers) each apply ${updates} changes to a shared profile and a counter.\n`,
  );

  const admin = createClient(base);
  try {
    console.log('Where the keys live (ketama ring):');
    for (const key of [PROFILE_KEY, COUNTER_KEY]) {
      console.log(`  ${key.padEnd(10)} -> ${admin.nodeFor(key)}`);
    }
    console.log();
    return (await sections(base, admin)) ?? 130;
  } finally {
    if (flags.servers) {
      const deleted = await Promise.allSettled(
        [PROFILE_KEY, COUNTER_KEY].map((k) => admin.delete(k)),
      );
      const failed = deleted.filter((d) => d.status === 'rejected').length;
      console.log(
        failed === 0
          ? `\nDeleted the demo's keys (${keyPrefix}*) from your cluster.`
          : `\nCould not delete ${failed} of the demo's keys (${keyPrefix}*); they expire within ${TTL_SECONDS} s.`,
      );
    }
    await admin.close();
    await stopLocalMemcached(nodes);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
