import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chaosTable, runChaos } from '../../helpers/chaos-check.js';

describe('chaos: appends and increments from 3 processes through faulty networks', () => {
  it('loses, duplicates and misreports nothing, and every counter stays within what callers were told', async () => {
    const report = await runChaos({
      workers: 3,
      durationMs: 3000,
      seed: 7,
      // Besides the random faults, one of each kind on cue, while the workers are busy.
      during: async ([a, b, c]) => {
        await sleep(1500);
        a!.partition(400);
        b!.resetAll();
        c!.setFaults({ delayReply: 0.05, delayReplyMs: 300 });
        await sleep(500);
        c!.clearFaults();
      },
    });
    const table = chaosTable(report);
    expect(report.problems, table).toEqual([]);
    for (const row of report.rows) {
      expect(row.lost, table).toBe(0);
      expect(row.duplicated, table).toBe(0);
      expect(row.definiteApplied, table).toBe(0);
      expect(row.hung, table).toBe(0);
    }
    // The run met faults and still got work done.
    const [appends, increments] = report.rows;
    expect(appends!.acknowledged, table).toBeGreaterThan(100);
    expect(appends!.indeterminate + increments!.indeterminate, table).toBeGreaterThan(0);
  }, 60_000);
});
