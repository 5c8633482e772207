import { performance } from 'node:perf_hooks';

/** Result of running `workers` loops for a fixed time. */
export interface Throughput {
  /** Completed loop iterations per second. */
  readonly perSecond: number;
  /** Iterations completed. */
  readonly count: number;
  /** Seconds measured. */
  readonly seconds: number;
  /** CPU time this process used while measured (user + system), in microseconds. */
  readonly cpuMicros: number;
}

/**
 * Runs `workers` concurrent loops of `step` for `seconds` (after a short warm-up)
 * and reports completed steps per second.
 */
export async function throughput(
  workers: number,
  seconds: number,
  step: (worker: number, i: number) => Promise<unknown>,
): Promise<Throughput> {
  const run = async (ms: number): Promise<number> => {
    let count = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          await step(w, i);
          count++;
        }
      }),
    );
    return count;
  };
  await run(Math.min(300, seconds * 200));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const count = await run(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  return {
    perSecond: count / elapsed,
    count,
    seconds: elapsed,
    cpuMicros: used.user + used.system,
  };
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** Prints rows as an aligned Markdown table. */
export function printTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const out = [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
  console.log(out);
  return out;
}
