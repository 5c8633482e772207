// Two workloads in paired rounds against one memcached node given on the
// command line: each round runs both back to back (their order alternating)
// for `--ms` each, and the script prints the median and the middle half of
// the rounds' ratios (first / second). On a shared machine a rate moves with
// the load, and a ratio of two rates taken a second apart moves less.
//
//   taskset -c 1 memcached -p 22122 -U 0 -t 1 &
//   npm run build
//   taskset -c 0 npx tsx bench/paired.ts --port 22122 --kinds update,meta --inflight 256
//
// Workloads: `meta`, `binary`, `text` (memcas gets+cas over that protocol),
// `update` (memcas update() over meta), `raw-meta` (the raw pipelined meta
// socket of bench/lib/, the ceiling). MEMCAS_DIST measures another build,
// so running the script once per build, alternating, compares two commits.
import { parseArgs } from 'node:util';
import { loadMemcas } from './lib/memcas.js';
import { RawMetaClient } from './lib/raw-meta-socket.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '11211' },
    kinds: { type: 'string', default: 'meta,binary' },
    inflight: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '30' },
    ms: { type: 'string', default: '500' },
  },
});
const inflight = Number(values.inflight);
const address = `${values.host}:${values.port}`;
const VALUE = { name: 'Alice', email: 'alice@example.com', visits: 0 };
type Value = typeof VALUE;

const { createClient } = await loadMemcas();
const clients = {
  meta: createClient({ servers: [address], protocol: 'meta' }),
  binary: createClient({ servers: [address], protocol: 'binary' }),
  text: createClient({ servers: [address], protocol: 'text' }),
};
await Promise.all(Array.from({ length: inflight }, (_, w) => clients.meta.set(`p:${w}`, VALUE)));
const rawMeta = await RawMetaClient.open(values.host, Number(values.port));

const getsCas = (c: (typeof clients)['meta']) => async (w: number) => {
  const hit = await c.gets<Value>(`p:${w}`);
  await c.cas(`p:${w}`, VALUE, hit!.cas);
};
const workloads: Record<string, (w: number) => Promise<unknown>> = {
  meta: getsCas(clients.meta),
  binary: getsCas(clients.binary),
  text: getsCas(clients.text),
  update: (w) => clients.meta.update<Value>(`p:${w}`, (v) => ({ ...v!, visits: v!.visits + 1 })),
  'raw-meta': async (w) => {
    const hit = await rawMeta.get(`p:${w}`);
    await rawMeta.cas(`p:${w}`, VALUE, hit!.cas);
  },
};
const names = values.kinds.split(',');
if (names.length !== 2 || names.some((n) => workloads[n] === undefined)) {
  throw new Error(`--kinds takes two of ${Object.keys(workloads).join(', ')}`);
}

/** Calls per second of one workload, `inflight` loops for `ms`. */
async function rate(step: (w: number) => Promise<unknown>, ms: number): Promise<number> {
  let count = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: inflight }, async (_, w) => {
      while (performance.now() < end) {
        await step(w);
        count++;
      }
    }),
  );
  return (count / (performance.now() - started)) * 1000;
}

for (const name of names) await rate(workloads[name]!, 1000); // warm-up
const ratios: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  const got: Record<string, number> = {};
  for (const name of order) got[name] = await rate(workloads[name]!, Number(values.ms));
  ratios.push(got[names[0]!]! / got[names[1]!]!);
}
ratios.sort((a, b) => a - b);
const at = (q: number): string => ratios[Math.floor(q * (ratios.length - 1))]!.toFixed(3);
console.log(
  `${names[0]} / ${names[1]}, ${inflight} in flight, ${ratios.length} rounds: median ${at(0.5)}, ` +
    `middle half ${at(0.25)}–${at(0.75)}`,
);
await Promise.all(Object.values(clients).map((c) => c.close()));
rawMeta.close();
