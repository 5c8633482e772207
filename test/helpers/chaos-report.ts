import type { FaultStats } from './fault-settings.js';

/** One row of the table: what the calls of one kind were told, and what the nodes hold. */
export interface ChaosRow {
  readonly op: 'update (append)' | 'incr';
  readonly calls: number;
  readonly acknowledged: number;
  readonly indeterminate: number;
  /** Of the indeterminate (and hung) calls, how many took effect. */
  readonly indeterminateApplied: number;
  readonly definite: number;
  /** Calls that failed definitely yet took effect (for counters: the excess over acknowledged + indeterminate). */
  readonly definiteApplied: number;
  /** Acknowledged calls that did not take effect. */
  readonly lost: number;
  /** Ids present more than once (counters: see `definiteApplied`). */
  readonly duplicated: number;
  /** Calls that had not settled `hangMs` after they were made. */
  readonly hung: number;
  /** The longest settled call minus its bound (`timeoutMs` for incr, `deadlineMs` for update), in ms. */
  readonly longestPastBoundMs: number;
  /** How that longest call ended: `acknowledged`, or its error code. */
  readonly longestOutcome: string;
}

/** The outcome of a chaos run (`runChaos` in chaos-check.ts). */
export interface ChaosReport {
  readonly rows: readonly ChaosRow[];
  /** Definite failures by code, over every worker. */
  readonly failures: Record<string, number>;
  /** What the proxies did, summed. */
  readonly faults: FaultStats;
  /** The longest event-loop stall of any worker, in ms: no call can be more punctual. */
  readonly eventLoopDelayMaxMs: number;
  /** Each violation found, in words (empty when none). */
  readonly problems: readonly string[];
  readonly settings: {
    readonly workers: number;
    readonly durationMs: number;
    readonly seed: number;
    readonly protocol: string;
  };
}

/** The report as markdown: the table, then the failure codes, the faults injected and any problems. */
export function chaosTable(report: ChaosReport): string {
  const { workers, durationMs, seed, protocol } = report.settings;
  const lines = [
    `chaos: ${workers} workers, ${durationMs / 1000} s, seed ${seed}, protocol ${protocol}`,
    '',
    '| op | calls | acknowledged | indeterminate (applied) | definite failures | definite applied | lost | duplicated | hung | longest call past bound |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.rows.map(
      (r) =>
        `| ${r.op} | ${r.calls} | ${r.acknowledged} | ${r.indeterminate} (${r.indeterminateApplied}) | ${r.definite} | ${r.definiteApplied} | ${r.lost} | ${r.duplicated} | ${r.hung} | ${Math.round(r.longestPastBoundMs)} ms past ${r.op === 'incr' ? 'timeoutMs' : 'deadlineMs'} (${r.longestOutcome}) |`,
    ),
    '',
    `definite failures by code: ${
      Object.entries(report.failures)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ') || 'none'
    }`,
    `longest event-loop stall in a worker: ${Math.round(report.eventLoopDelayMaxMs)} ms`,
    `faults injected: ${Object.entries(report.faults)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    report.problems.length === 0
      ? 'problems: none'
      : `problems:\n${report.problems.map((p) => `- ${p}`).join('\n')}`,
  ];
  return lines.join('\n');
}
