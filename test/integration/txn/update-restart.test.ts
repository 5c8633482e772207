// A CAS read before a memcached restart must not be honoured after it by update()
// (fenced or not): the write carries the session (connection) it was read in. Found by review.
import { describe, expect, it } from 'vitest';
import { type Client, type Protocol } from '../../../src/index.js';
import { useNodeClients } from '../../helpers/use-node-clients.js';

const local = useNodeClients();
const open = (protocol: Protocol): Client => local.open({ protocol });

/** Writes filler items until the node's CAS counter is `target - 1`. */
async function bringCasTo(c: Client, target: bigint): Promise<void> {
  for (;;) {
    await c.set('filler', 0);
    const hit = await c.gets('filler');
    if (hit!.cas.value >= target - 1n) {
      expect(hit!.cas.value).toBe(target - 1n);
      return;
    }
  }
}

describe.each(['meta', 'binary', 'text'] as const)('over %s', (protocol) => {
  it("a paused holder's fenced update, read before the data node restarted, is refused over a newer holder's fenced value", async () => {
    await local.node.restart(); // a fresh CAS counter, and a later start time than the last life
    await new Promise((r) => setTimeout(r, 1100)); // the next life starts in a later second
    const a = open(protocol);
    const lockA = await a.lock('L', { ttlMs: 30_000 });
    for (let i = 0; i < 20; i++) await a.set('filler', i); // other traffic
    await a.set('report', 'A1', { fence: lockA });
    const casRead = (await a.gets('report'))!.cas.value;

    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let fnRan!: () => void;
    const ran = new Promise<void>((r) => (fnRan = r));
    // A reads 'report' (CAS casRead) and pauses inside fn (a GC pause, SIGSTOP...).
    const stale = a.update<string>(
      'report',
      async () => {
        fnRan();
        await gate;
        return 'A-stale';
      },
      { fence: lockA, deadlineMs: 15_000 },
    );
    await ran;

    await local.node.restart(); // the node's CAS numbers start again at 1; its data is gone
    const b = open(protocol);
    const lockB = await b.lock('L', { waitMs: 0 });
    expect(lockB.fencingToken).toBeGreaterThan(lockA.fencingToken);
    await bringCasTo(b, casRead);
    await b.set('report', 'B', { fence: lockB }); // written with CAS casRead, by chance
    expect((await b.gets('report'))!.cas.value).toBe(casRead);

    resume();
    const outcome = await stale.then(
      (r) => r.outcome,
      (e: unknown) => (e as Error).name,
    );
    // Expected: the stale holder is refused (its token is smaller than B's).
    expect(outcome).toBe('StaleFenceError');
    expect(await b.get('report')).toBe('B');
  }, 20_000);

  it('a plain update() whose read came before a restart is not applied over a value written after it', async () => {
    await local.node.restart();
    const a = open(protocol);
    for (let i = 0; i < 20; i++) await a.set('filler', i); // other traffic
    await a.set('n', 100);
    const casRead = (await a.gets('n'))!.cas.value;
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let fnRan!: () => void;
    const ran = new Promise<void>((r) => (fnRan = r));
    const stale = a.update<number>(
      'n',
      async (n) => {
        fnRan();
        await gate;
        return n! + 1; // 101, computed from the value before the restart
      },
      { deadlineMs: 15_000 },
    );
    await ran;
    await local.node.restart();
    const b = open(protocol);
    await bringCasTo(b, casRead);
    await b.set('n', 5); // a new value, same CAS number as A's read
    resume();
    await stale.catch(() => undefined);
    // Expected: A's write is a conflict (its read was in another server life); A re-reads 5 and writes 6.
    expect(await b.get('n')).not.toBe(101);
  }, 20_000);
});
