/**
 * npm run demo — the lost-update problem and how memcas solves it, on a local
 * 3-node memcached cluster (started and stopped here), or on the embedded
 * store when memcached is not available.
 *
 * Flags: --servers host:port,...  --workers 8  --updates 200  --policy name  --smoke
 */
import { parseArgs } from 'node:util';
import {
  BACKOFF_POLICIES,
  createClient,
  MemoryStore,
  policyByName,
  type Client,
  type ClientOptions,
} from '../src/index.js';
import { startMemcached, stopAllMemcached } from '../test/helpers/memcached-node.js';

const { values: flags } = parseArgs({
  options: {
    servers: { type: 'string' },
    workers: { type: 'string' },
    updates: { type: 'string' },
    policy: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const workers = Number(flags.workers ?? (flags.smoke ? 4 : 8));
const updates = Number(flags.updates ?? (flags.smoke ? 25 : 200));
const policyNames = flags.policy ? flags.policy.split(',') : Object.keys(BACKOFF_POLICIES);
// Fail early on an unknown name, listing the choices.
for (const name of policyNames) {
  try {
    policyByName(name);
  } catch (err) {
    console.error(`--policy: ${(err as Error).message}`);
    process.exit(2);
  }
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
  conflicts: number;
  attemptsPerSuccess: number;
  lostProfile: number;
  lostCounter: number;
}

function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(`\r  ${label}: ${done}/${total} changes${done === total ? '\n' : ''}`);
}

/** Each worker is its own client, like a separate server process. */
async function withWorkers(
  base: ClientOptions,
  fn: (client: Client, worker: number) => Promise<void>,
): Promise<number> {
  const clients = Array.from({ length: workers }, () => createClient(base));
  const started = performance.now();
  await Promise.all(clients.map((c, w) => fn(c, w)));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return seconds;
}

async function plainGetSet(base: ClientOptions, admin: Client): Promise<Row> {
  await admin.set('user:1001', PROFILE);
  await admin.set('page:hits', 0);
  let done = 0;
  const seconds = await withWorkers(base, async (client, w) => {
    for (let i = 0; i < updates; i++) {
      // The seed's race: read, change, write back, with nothing stopping two
      // workers from doing it at the same time.
      const profile = (await client.get<Profile>('user:1001'))!;
      const hits = (await client.get<number>('page:hits'))!;
      await client.set('user:1001', {
        ...profile,
        visits: profile.visits + 1,
        lastEditor: `worker-${w}`,
      });
      await client.set('page:hits', hits + 1);
      progress('plain get + set', ++done, workers * updates);
    }
  });
  return result('plain get + set', admin, seconds, workers * updates);
}

async function withUpdate(base: ClientOptions, admin: Client, policyName: string): Promise<Row> {
  await admin.set('user:1001', PROFILE);
  await admin.set('page:hits', 0);
  let done = 0;
  let attempts = 0;
  const seconds = await withWorkers(
    {
      ...base,
      retry: { policy: policyByName(policyName), maxAttempts: 10_000, deadlineMs: 60_000 },
    },
    async (client, w) => {
      for (let i = 0; i < updates; i++) {
        const [p, c] = await Promise.all([
          client.update<Profile>('user:1001', (cur) => ({
            ...cur!,
            visits: cur!.visits + 1,
            lastEditor: `worker-${w}`,
          })),
          client.update<number>('page:hits', (n) => (n ?? 0) + 1),
        ]);
        attempts += p.attempts + c.attempts;
        progress(`update(), ${policyName}`, ++done, workers * updates);
      }
    },
  );
  const row = await result(`update(), ${policyName}`, admin, seconds, workers * updates);
  const successes = workers * updates * 2;
  return { ...row, conflicts: attempts - successes, attemptsPerSuccess: attempts / successes };
}

async function result(run: string, admin: Client, seconds: number, expected: number): Promise<Row> {
  const profile = (await admin.get<Profile>('user:1001'))!;
  const hits = (await admin.get<number>('page:hits'))!;
  return {
    run,
    updatesPerSec: (expected * 2) / seconds,
    conflicts: 0,
    attemptsPerSuccess: 1,
    lostProfile: expected - profile.visits,
    lostCounter: expected - hits,
  };
}

function table(rows: Row[]): void {
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
    r.run.startsWith('plain') ? '-' : r.conflicts.toLocaleString('en-US'),
    r.run.startsWith('plain') ? '-' : r.attemptsPerSuccess.toFixed(2),
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

async function main(): Promise<number> {
  let base: ClientOptions;
  if (flags.servers) {
    base = { servers: flags.servers.split(',') };
    console.log(`memcas demo — using the memcached cluster you gave: ${flags.servers}`);
  } else {
    try {
      const nodes = await startMemcached(3);
      base = { servers: nodes.map((n) => n.address) };
      console.log(
        `memcas demo — started a local 3-node memcached cluster: ${nodes.map((n) => n.address).join(', ')}`,
      );
    } catch (err) {
      base = { memory: new MemoryStore() };
      console.log(
        'memcas demo — memcached is not installed and could not be installed: running on the embedded in-process store',
      );
      console.log(`  (${(err as Error).message.split('\n')[0]})`);
    }
  }
  console.log(
    `${workers} workers (separate clients, like separate servers) each apply ${updates} changes to a shared profile and a counter.\n`,
  );

  const admin = createClient(base);
  console.log('Where the keys live (ketama ring):');
  for (const key of ['user:1001', 'page:hits'])
    console.log(`  ${key.padEnd(10)} -> ${admin.nodeFor(key)}`);
  console.log();

  const plain = await plainGetSet(base, admin);
  console.log('1. Plain get + set: the lost-update problem');
  table([plain]);
  console.log(
    `   ${plain.lostProfile + plain.lostCounter} of ${workers * updates * 2} changes were silently lost.\n`,
  );

  const first = policyNames.includes('decorrelatedJitter') ? 'decorrelatedJitter' : policyNames[0]!;
  const fixed = await withUpdate(base, admin, first);
  console.log('2. The same work with update(): gets, change, cas, retry on conflict');
  table([fixed]);
  console.log(`   ${fixed.lostProfile + fixed.lostCounter} changes lost.\n`);

  console.log('3. The same contention under each backoff policy');
  const rows = [fixed];
  for (const name of policyNames.filter((p) => p !== first))
    rows.push(await withUpdate(base, admin, name));
  table(rows);
  await admin.close();

  const lost = rows.reduce((n, r) => n + r.lostProfile + r.lostCounter, 0);
  console.log(
    lost === 0
      ? '\nupdate() lost nothing under every policy.'
      : `\nFAILED: update() runs lost ${lost} changes.`,
  );
  return lost === 0 ? 0 : 1;
}

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  console.log('\ninterrupted: stopping the local cluster');
  void stopAllMemcached().finally(() => process.exit(130));
});

main()
  .then(async (code) => {
    await stopAllMemcached();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(err);
    await stopAllMemcached();
    process.exit(1);
  });
