import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Where {@link pinApart} put the processes, for the report. */
export type Pinning =
  { pinned: true; bench: string; server: string } | { pinned: false; why: string };

/**
 * Puts this process (every thread) on CPU 0 and the processes `pids` (every
 * thread) on the other CPUs, with `taskset`, until `unpin` is called. On a
 * machine of 2 cores the scheduler otherwise puts the benchmark and
 * memcached on one core in some rounds and not in others, and the same code
 * measures up to 2x apart; apart, they also stand closer to production,
 * where memcached runs on another machine. Leaves everything as it is (and
 * says why) with one CPU or without `taskset`.
 */
export function pinApart(pids: readonly number[]): { pinning: Pinning; unpin: () => void } {
  const cpus = os.availableParallelism();
  if (cpus < 2) return { pinning: { pinned: false, why: 'one CPU' }, unpin: () => {} };
  const all = `0-${cpus - 1}`;
  const others = cpus === 2 ? '1' : `1-${cpus - 1}`;
  const set = (list: string, pid: number): void => {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
  };
  try {
    set('0', process.pid);
    for (const pid of pids) set(others, pid);
  } catch (err) {
    try {
      set(all, process.pid);
    } catch {
      // taskset is missing: nothing was pinned
    }
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no taskset' : 'taskset failed';
    return { pinning: { pinned: false, why }, unpin: () => {} };
  }
  return {
    pinning: { pinned: true, bench: '0', server: others },
    unpin: () => {
      set(all, process.pid);
      for (const pid of pids) {
        try {
          set(all, pid);
        } catch {
          // the process has exited
        }
      }
    },
  };
}
