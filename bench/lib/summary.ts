import { fmt, printTable } from './measure.js';

import type { ContentionRow } from '../contention.js';
import type { SingleNodeRow } from '../single-node.js';
import type { TelemetryResults, TelemetryRow } from '../telemetry.js';

/** One table of the headline figures, from whatever sections ran. */
export function printSummary(results: Record<string, unknown>): void {
  const rows: string[][] = [];
  const single = results['single-node'] as SingleNodeRow[] | undefined;
  for (const r of single ?? []) {
    rows.push([
      `gets+cas pairs/s, ${r.concurrency} in flight`,
      fmt(r.memcasGetsCasPairsPerSec),
      `${fmt(r.memcasGetsCasPairsPerSec / r.memjsGetSetPairsPerSec, 2)}x memjs get+set; ${fmt(r.memcasGetsCasPairsPerSec / r.socketGetsCasPairsPerSec, 2)} of the socket ceiling`,
    ]);
  }
  const contention = results.contention as ContentionRow[] | undefined;
  if (contention) {
    const on = contention.find((r) => r.scenario === '1 process' && r.updaters === 64 && r.combine);
    const off = contention.find(
      (r) => r.scenario === '1 process' && r.updaters === 64 && !r.combine,
    );
    if (on && off) {
      rows.push([
        'hot key, 64 updaters in 1 process, combining on',
        fmt(on.updatesPerSec),
        `${fmt(on.updatesPerSec / off.updatesPerSec, 1)}x combining off`,
      ]);
    }
    const multi = contention.filter((r) => r.scenario === '4 processes' && !r.combine);
    const none = multi.find((r) => r.policy === 'none');
    const best = multi
      .filter((r) => r.policy.includes('Jitter'))
      .sort((a, b) => b.updatesPerSec - a.updatesPerSec)[0];
    if (none && best) {
      rows.push([
        `hot key, 4 processes x 16, best jitter (${best.policy})`,
        fmt(best.updatesPerSec),
        `${fmt(best.updatesPerSec / none.updatesPerSec, 1)}x none; median attempts ${best.attemptsMedian}`,
      ]);
    }
  }
  const telemetry = (results.telemetry as TelemetryResults | undefined)?.updates;
  const at64 = (setup: string): TelemetryRow | undefined =>
    telemetry?.find((r) => r.inFlight === 64 && r.setup.startsWith(setup));
  const metrics = at64('metrics (');
  if (metrics) {
    rows.push([
      'uncontended update()/s at 64 in flight, metrics on',
      fmt(metrics.updatesPerSec),
      `${fmt(metrics.ofNoSdk * 100, 0)}% of no SDK; +${fmt(metrics.addedCpuMicros, 1)} µs CPU per update`,
    ]);
  }
  const tls = results.tls as { plainPairsPerSec: number; tlsPairsPerSec: number } | undefined;
  if (tls)
    rows.push([
      'gets+cas pairs/s over TLS, 64 in flight',
      fmt(tls.tlsPairsPerSec),
      `${fmt((tls.tlsPairsPerSec / tls.plainPairsPerSec) * 100, 0)}% of plain TCP`,
    ]);
  if (rows.length === 0) return;
  console.log('\n## Summary\n');
  printTable(['measure', 'value', 'compared with'], rows);
}
