// On the embedded store every operation settles in a microtask, so a
// lock wait with a zero delay (none(), constant({ delayMs: 0 })) never yields to
// timers or I/O: it blocks the event loop for all of waitMs, and the holder
// (whose release is in a timer, an I/O callback...) could not release meanwhile. Found by review.
import { describe, expect, it } from 'vitest';
import { createClient, MemoryStore, none } from '../../../src/index.js';

describe('embedded store: a lock wait with a zero-delay policy', () => {
  it('lets the holder release (a timer) and acquires soon after', async () => {
    const store = new MemoryStore();
    const a = createClient({ memory: store });
    const b = createClient({ memory: store });
    const held = await a.lock('job');
    setTimeout(() => void held.release(), 50);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    const outcome = await b.lock('job', { policy: none(), waitMs: 1500 }).then(
      (l) => (void l.release(), 'acquired'),
      (e: unknown) => (e as Error).name,
    );
    const elapsed = performance.now() - t0;
    clearInterval(ticker);
    // The 10 ms interval should have fired ~elapsed/10 times; a starved loop fires it 0-1 times.
    expect({ outcome, ticks, elapsedMs: Math.round(elapsed) }).toMatchObject({
      outcome: 'acquired',
    });
    expect(ticks).toBeGreaterThan(2);
    await a.close();
    await b.close();
  });
});
