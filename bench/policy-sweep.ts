import { mkdirSync, writeFileSync } from 'node:fs';
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { loadMemcas } from './lib/memcas.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { acrossProcesses, type ContentionRow } from './contention.js';
import { fmt, printTable } from './lib/measure.js';

const { BACKOFF_POLICIES } = await loadMemcas();

const POLICIES = Object.keys(BACKOFF_POLICIES);
const UPDATERS = [4, 16, 64];

/**
 * One hot key, 4 processes, combining off: successful updates/s for each
 * policy at 4, 16 and 64 concurrent updaters. Draws the chart as SVG.
 */
export async function benchPolicySweep(
  node: MemcachedNode,
  seconds: number,
  chartFile: string,
): Promise<ContentionRow[]> {
  const rows: ContentionRow[] = [];
  for (const updaters of UPDATERS) {
    for (const policy of POLICIES) {
      rows.push(await acrossProcesses(node, policy, seconds, false, updaters / 4));
      process.stderr.write(`  sweep: ${policy}, ${updaters} updaters: done\n`);
    }
  }
  printTable(
    ['policy', ...UPDATERS.map((u) => `${u} updaters: updates/s (attempts p50/p99)`)],
    POLICIES.map((p) => [
      p,
      ...UPDATERS.map((u) => {
        const r = rows.find((x) => x.policy === p && x.updaters === u)!;
        return `${fmt(r.updatesPerSec)} (${r.attemptsMedian}/${r.attemptsP99})`;
      }),
    ]),
  );
  await drawChart(rows, chartFile);
  return rows;
}

/** Renders successful updates/s against updaters, one line per policy, with Vega-Lite. */
export async function drawChart(rows: readonly ContentionRow[], file: string): Promise<void> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'One hot key, 4 processes, combining off',
    width: 520,
    height: 300,
    data: {
      values: rows.map((r) => ({
        policy: r.policy,
        updaters: r.updaters,
        updatesPerSec: Math.round(r.updatesPerSec),
      })),
    },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'updaters',
        type: 'quantitative',
        scale: { type: 'log', base: 2 },
        title: 'concurrent updaters',
        axis: { values: UPDATERS },
      },
      y: { field: 'updatesPerSec', type: 'quantitative', title: 'successful updates/s' },
      color: { field: 'policy', type: 'nominal', title: 'backoff policy', sort: POLICIES },
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true });
  writeFileSync(file, svg);
  console.log(`\nwrote ${file}`);
}
