// A fixed workload for counting instructions per request under callgrind,
// which counts the same whatever else runs on the machine (timings on the
// shared 2-core box do not). One process, one memcached node given on the
// command line, `--inflight` loops each doing `--pairs` / `--inflight`
// gets+cas pairs (or updates) after a warm-up of `--warmup` pairs. Run it
// twice with different `--pairs` and divide the difference in instructions:
//
//   memcached -p 22122 -U 0 -t 1 &
//   node_modules/.bin/esbuild bench/instructions.ts --bundle --platform=node \
//     --format=esm --packages=external --outfile=bench/instructions.mjs
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node --single-threaded \
//     --expose-gc bench/instructions.mjs --port 22122 --target meta --pairs 5000
//
// (bundled, so no TypeScript loader runs under valgrind; --single-threaded, so
// V8 compiles and collects on the main thread and the counts repeat).
//
// Instructions alone undercount what update() costs: add `--cache-sim=yes
// --branch-sim=yes` to valgrind and `--predictable` to node (GC decided by
// counts, not time: runs of one build then agree within 0.1%) and weigh the
// misses, as docs/protocols.md does (Ir + 10 per L1 or branch miss + 100 per
// last-level miss). Against a memcached node the count still moves with the
// number of replies each socket read brings; the embedded store
// (`--port embedded`, with `--target meta` or `update-meta`) does not.
//
// Targets: `meta`, `binary`, `text` (memcas gets+cas), `update-meta`,
// `update-binary` (memcas update()), `raw-meta`, `raw-binary` (the ceilings).
import { parseArgs } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import { RawMetaClient } from './lib/raw-meta-socket.js';
import { RawSocketClient } from './lib/raw-socket.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '11211' },
    target: { type: 'string', default: 'meta' },
    pairs: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '64' },
  },
});
const host = values.host;
const port = Number(values.port);
const target = values.target;
const inflight = Number(values.inflight);
const VALUE = { name: 'Alice', email: 'alice@example.com', visits: 0 };
type Value = typeof VALUE;

// dist/, or the build in MEMCAS_DIST (another commit's, for before/after counts).
const { createClient } = await loadMemcas();
const protocol = target.replace(/^update-/, '') as 'meta' | 'binary' | 'text';
// `--port embedded`: the in-process store, where no socket moves the count.
const embedded = values.port === 'embedded';
if (embedded && target.startsWith('raw-')) throw new Error('the raw sockets need a memcached port');
const client = createClient({
  ...(embedded
    ? {}
    : { servers: [`${host}:${port}`], protocol: target.startsWith('raw-') ? 'meta' : protocol }),
  // Under valgrind a batch of replies takes longer to read than the default 500 ms.
  timeoutMs: 120_000,
  connectTimeoutMs: 120_000,
  // Under valgrind an update() waits longer than its default 2 s deadline.
  retry: { deadlineMs: 3_600_000 },
});
await Promise.all(Array.from({ length: inflight }, (_, w) => client.set(`i:${w}`, VALUE)));

let pair: (w: number) => Promise<unknown>;
let close: () => void | Promise<void> = () => client.close();
if (target === 'raw-meta' || target === 'raw-binary') {
  const raw =
    target === 'raw-meta'
      ? await RawMetaClient.open(host, port)
      : await RawSocketClient.open(host, port);
  pair = async (w) => {
    const hit = await raw.get(`i:${w}`);
    await raw.cas(`i:${w}`, VALUE, hit!.cas);
  };
  close = async () => {
    raw.close();
    await client.close();
  };
} else if (target.startsWith('update-')) {
  pair = (w) => client.update<Value>(`i:${w}`, (v) => ({ ...v!, visits: v!.visits + 1 }));
} else {
  pair = async (w) => {
    const hit = await client.gets<Value>(`i:${w}`);
    await client.cas(`i:${w}`, VALUE, hit!.cas);
  };
}

const run = (total: number): Promise<unknown> =>
  Promise.all(
    Array.from({ length: inflight }, async (_, w) => {
      for (let i = w; i < total; i += inflight) await pair(w);
    }),
  );
await run(Number(values.warmup));
// With --expose-gc: the warm-up's garbage collected now, not in one run's count and not the other's.
(globalThis as { gc?: () => void }).gc?.();
const pairs = Number(values.pairs);
const cpu = process.cpuUsage();
const started = performance.now();
await run(pairs);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
await close();
// Run natively, the same workload gives time and CPU per pair (noisy on a shared machine).
process.stderr.write(
  `done: ${pairs} ${target} pairs, ${Math.round((pairs / ms) * 1000)}/s, ` +
    `${((used.user + used.system) / pairs).toFixed(2)} µs CPU a pair\n`,
);
