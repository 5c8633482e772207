import { describe, expect, it } from 'vitest';
import { ComputeRunner, type ComputeCall } from '../../../src/compute/index.js';
import { resolveComputeOptions } from '../../../src/compute/compute-options.js';
import type { LeaseIO, LeaseView } from '../../../src/compute/lease.js';
import { rawCodec } from '../../../src/index.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

const codec = rawCodec();

/** A call whose compute never settles, on `leases`. */
function hungCall(leases: LeaseIO, leaseMs: number): ComputeCall<Buffer> {
  return {
    key: 'k',
    fullKey: 'k',
    codec,
    leases,
    compute: () => new Promise<Buffer>(() => {}),
    encode: (v) => v,
    decode: (s) => s.value,
    options: resolveComputeOptions({ leaseMs }),
    signal: undefined,
  };
}

describe('ComputeRunner', () => {
  it('a compute past its lease, counted from the read that won it, is not joined by a new call', async () => {
    const clock = new ManualClock();
    const reads: number[] = [];
    const leases: LeaseIO = {
      // The lease is taken when the read is answered; the read takes 40 ms (a slow round trip,
      // or the text protocol's read-back), so the compute starts 40 ms into the lease.
      read: async (): Promise<LeaseView> => {
        reads.push(clock.now());
        await new Promise<void>((resolve) => clock.setTimer(40, resolve));
        return {
          kind: 'won',
          reason: 'miss',
          previous: undefined,
          lease: { write: () => Promise.resolve(true), release: () => Promise.resolve() },
        };
      },
      add: () => Promise.resolve(true),
    };
    const runner = new ComputeRunner(clock);
    void runner.run(hungCall(leases, 500)).catch(() => {});
    await clock.advance(40);
    expect(reads).toEqual([0]);
    // At 500 ms the lease has ended for every other process, which may take it over and write:
    // a new call here must read again, not wait on a compute that may never finish.
    await clock.advance(460);
    void runner.run(hungCall(leases, 500)).catch(() => {});
    await settle();
    expect(reads).toEqual([0, 500]);
  });
});
