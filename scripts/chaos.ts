/**
 * The long chaos run: worker processes append to shared lists and increment
 * shared counters through fault-injecting proxies in front of 3 memcached
 * nodes, then every call's outcome is checked against what the nodes hold.
 * Prints the table as markdown; exits 1 when a violation was found.
 *
 * usage: npm run chaos -- [--seconds 60] [--workers 3] [--seed 1] [--protocol meta|binary|text] [--no-faults]
 *
 * Without `--protocol` it runs once per protocol memcas speaks, one table
 * each, `--seconds` each.
 */
import { parseArgs } from 'node:util';
import { PROTOCOLS } from '../src/protocol/index.js';
import { chaosTable, runChaos } from '../test/helpers/chaos-check.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    workers: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    protocol: { type: 'string' },
    'no-faults': { type: 'boolean', default: false },
  },
});

function count(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new TypeError(`--${name} must be a positive number, got ${value}`);
  return n;
}

const protocols = values.protocol === undefined ? PROTOCOLS : [values.protocol];
let problems = 0;
for (const protocol of protocols) {
  const report = await runChaos({
    durationMs: count('seconds', values.seconds) * 1000,
    workers: Math.round(count('workers', values.workers)),
    seed: Math.round(count('seed', values.seed)),
    protocol,
    ...(values['no-faults'] ? { faults: {} } : {}),
    log: (line) => console.error(`[chaos] ${line}`),
  });
  console.log(chaosTable(report));
  problems += report.problems.length;
}
process.exitCode = problems === 0 ? 0 : 1;
