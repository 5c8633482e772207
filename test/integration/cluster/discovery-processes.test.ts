import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../../src/index.js';
import { ConfigEndpoint, type ListedNode } from '../../helpers/config-endpoint.js';
import type { MemcachedNode } from '../../helpers/memcached-node.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../../helpers/update-worker.ts', import.meta.url));
const cluster = useMemcached(4);
const KEYS = 16;
const PHASE_MS = 700;
let endpoint: ConfigEndpoint;

beforeAll(async () => {
  endpoint = await ConfigEndpoint.start(1, []);
});
afterAll(() => endpoint.stop());

const listed = (nodes: readonly MemcachedNode[]): ListedNode[] =>
  nodes.map((n) => ({ port: n.port }));

/** Each counter's value on one node (0 where it is missing). */
async function countersOn(node: MemcachedNode): Promise<number[]> {
  const direct = createClient({ servers: [node.address] });
  try {
    const keys = Array.from({ length: KEYS }, (_, k) => `ctr:${k}`);
    return (await direct.getMany<number>(keys)).map((e) => (e.status === 'hit' ? e.value : 0));
  } finally {
    await direct.close();
  }
}

describe('discovery under update() traffic from 2 OS processes', () => {
  it('3 nodes, a 4th added, one removed, garbage, silence, an older version: every increment is on exactly one node', async () => {
    const [a, b, c, d] = cluster.nodes as [
      MemcachedNode,
      MemcachedNode,
      MemcachedNode,
      MemcachedNode,
    ];
    endpoint.serve(1, listed([a, b, c]));
    const args = [worker, `discovery=${endpoint.address}`, String(KEYS), '6000ms', '4'];
    const workers = Array.from({ length: 2 }, () =>
      run(process.execPath, ['--import', 'tsx', ...args], {
        timeout: 60_000,
        // Each worker prints every attempt count and latency: past the 1 MiB default on a fast run.
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    // Both workers have asked the endpoint and traffic has reached the nodes.
    await vi.waitFor(
      async () => {
        expect(endpoint.asked).toBeGreaterThanOrEqual(4);
        const sums = await Promise.all([a, b, c].map(countersOn));
        expect(sums.flat().reduce((x, y) => x + y)).toBeGreaterThan(50);
      },
      { timeout: 20_000, interval: 50 },
    );
    endpoint.serve(2, listed([a, b, c, d]));
    await sleep(PHASE_MS);
    endpoint.serve(3, listed([a, c, d]));
    await sleep(PHASE_MS);
    // b is out of the ring now: nothing below may write to it again.
    const onB = await countersOn(b);
    endpoint.behaviour = { garbage: 'CONFIG cluster 0 5\r\nnope\r\n\r\nEND\r\n' };
    await sleep(PHASE_MS);
    endpoint.behaviour = 'silent';
    await sleep(PHASE_MS);
    endpoint.serve(2, listed([a, b, c, d])); // older than 3: ignored
    const outputs = await Promise.all(workers);

    const acknowledged = new Array<number>(KEYS).fill(0);
    for (const { stdout } of outputs) {
      const summary = JSON.parse(stdout.trim().split('\n').pop()!) as {
        perKey: number[];
        discoveryErrors: number;
        membershipChanges: number;
      };
      summary.perKey.forEach((n, k) => (acknowledged[k]! += n));
      // It saw the 4th node and the removal (and the first list, if it started before the 4th), and the garbage and the silence as failures.
      expect(summary.membershipChanges).toBeGreaterThanOrEqual(2);
      expect(summary.discoveryErrors).toBeGreaterThanOrEqual(2);
    }
    const perNode = await Promise.all([a, b, c, d].map(countersOn));
    const stored = acknowledged.map((_, k) => perNode.reduce((sum, node) => sum + node[k]!, 0));
    // memcached on each node counted exactly the increments applied there: none lost, none doubled.
    expect(stored).toEqual(acknowledged);
    expect(acknowledged.reduce((x, y) => x + y)).toBeGreaterThan(500);
    // The 4th node took keys; the removed node was never written after it left.
    expect(perNode[3]!.some((n) => n > 0)).toBe(true);
    expect(await countersOn(b)).toEqual(onB);
  }, 90_000);
});
