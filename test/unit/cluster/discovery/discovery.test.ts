import { describe, expect, it } from 'vitest';
import {
  Discovery,
  resolveDiscoveryOptions,
  type ClusterConfig,
  type DiscoveryOptions,
  type DiscoveryPollOutcome,
  type MembershipChange,
} from '../../../../src/cluster/discovery/index.js';
import { ClientClosedError, DiscoveryError } from '../../../../src/errors/index.js';
import { ManualClock, settle } from '../../../helpers/manual-clock.js';

const INTERVAL = 1000;

/** A config of version `v` listing ports `ports` on 10.0.0.1. */
const config = (version: number, ...ports: number[]): ClusterConfig => ({
  version,
  nodes: ports.map((port) => ({ hostname: '', ip: '10.0.0.1', port })),
});

/**
 * A poller over a scripted endpoint: each poll takes the next answer (a
 * config, or an error to reject with). The membership is a plain set.
 */
function poller(
  answers: Array<ClusterConfig | Error>,
  seeded = false,
  listeners: Pick<DiscoveryOptions, 'onDiscoveryError' | 'onMembershipChange'> = {},
) {
  const clock = new ManualClock();
  const members = new Set<number>(seeded ? [1] : []);
  const outcomes: DiscoveryPollOutcome[] = [];
  const errors: DiscoveryError[] = [];
  const changes: MembershipChange[] = [];
  const applied: number[] = [];
  let asks = 0;
  const keptAlive: boolean[] = [];
  const broken = { apply: undefined as Error | undefined };
  const discovery = new Discovery(
    resolveDiscoveryOptions({
      endpoint: 'cfg.example:11211',
      intervalMs: INTERVAL,
      onDiscoveryError: (e) => errors.push(e),
      onMembershipChange: (c) => changes.push(c),
      ...listeners,
    })!,
    {
      ask: (_signal, keepAlive) => {
        keptAlive.push(keepAlive);
        const answer = answers[Math.min(asks++, answers.length - 1)]!;
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      apply: (c) => {
        if (broken.apply) throw broken.apply;
        applied.push(c.version);
        const next = new Set(c.nodes.map((n) => n.port));
        const added = [...next].filter((p) => !members.has(p)).map(String);
        const removed = [...members].filter((p) => !next.has(p)).map(String);
        members.clear();
        for (const p of next) members.add(p);
        return { added, removed };
      },
      get size() {
        return members.size;
      },
      polled: (o) => outcomes.push(o),
    },
    clock,
    seeded,
  );
  const polls = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await clock.advance(INTERVAL);
  };
  return {
    discovery,
    clock,
    members,
    outcomes,
    errors,
    changes,
    applied,
    polls,
    broken,
    keptAlive,
    asks: () => asks,
  };
}

const unreachable = (): DiscoveryError =>
  new DiscoveryError(
    'cfg.example:11211',
    'unreachable',
    'discovery endpoint cfg.example:11211 could not be asked: ECONNREFUSED',
  );

describe('Discovery', () => {
  it('applies the first answer at once, then a higher version replaces the membership', async () => {
    const d = poller([config(1, 1, 2, 3), config(2, 1, 2, 3, 4), config(3, 1, 3, 4)]);
    d.discovery.start();
    await settle();
    expect([...d.members]).toEqual([1, 2, 3]);
    await d.polls(1);
    expect([...d.members]).toEqual([1, 2, 3, 4]);
    await d.polls(1);
    expect([...d.members]).toEqual([1, 3, 4]);
    expect(d.changes).toEqual([
      { version: 1, added: ['1', '2', '3'], removed: [] },
      { version: 2, added: ['4'], removed: [] },
      { version: 3, added: [], removed: ['2'] },
    ]);
    expect(d.discovery.configVersion).toBe(3);
    await d.discovery.stop();
  });

  it('ignores an older or equal version, whatever it lists', async () => {
    const d = poller([config(5, 1, 2), config(5, 9), config(4, 7, 8), config(6, 1, 2)]);
    d.discovery.start();
    await d.polls(3);
    expect(d.applied).toEqual([5, 6]);
    expect(d.outcomes).toEqual(['changed', 'unchanged', 'stale', 'unchanged']);
    expect([...d.members]).toEqual([1, 2]);
    await d.discovery.stop();
  });

  it('a failed poll keeps the last good membership, is reported with what is kept, and the next poll goes on', async () => {
    const d = poller([config(1, 1, 2), unreachable(), config(2, 1, 2, 3)]);
    d.discovery.start();
    await d.polls(1);
    expect([...d.members]).toEqual([1, 2]);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toBeInstanceOf(DiscoveryError);
    expect(d.errors[0]!.reason).toBe('unreachable');
    expect(d.errors[0]!.message).toMatch(
      /keeps the 2 nodes of config version 1 and asks again in 1000 ms/,
    );
    await d.polls(1);
    expect([...d.members]).toEqual([1, 2, 3]);
    expect(d.outcomes).toEqual(['changed', 'failed', 'changed']);
    await d.discovery.stop();
  });

  it('an error thrown while applying is a failed poll too, not an unhandled rejection', async () => {
    const d = poller([config(1, 1)]);
    d.broken.apply = new Error('boom');
    d.discovery.start();
    await settle();
    expect(d.outcomes).toEqual(['failed']);
    expect(d.errors[0]!.message).toMatch(/boom/);
    d.broken.apply = undefined;
    await d.polls(1);
    expect(d.outcomes).toEqual(['failed', 'changed']);
    await d.discovery.stop();
  });

  it('polls every intervalMs after the previous poll, never two at once, and stop() leaves no timer', async () => {
    const d = poller([config(1, 1)]);
    d.discovery.start();
    await settle();
    expect(d.asks()).toBe(1);
    await d.clock.advance(INTERVAL - 1);
    expect(d.asks()).toBe(1);
    await d.clock.advance(1);
    expect(d.asks()).toBe(2);
    expect(d.clock.pending).toBe(1);
    await d.discovery.stop();
    expect(d.clock.pending).toBe(0);
    await d.polls(5);
    expect(d.asks()).toBe(2);
  });

  it('ready() waits for the first good answer without servers, rejecting with the error of a failed poll before it', async () => {
    const d = poller([unreachable(), config(1, 1)]);
    const first = d.discovery.ready();
    d.discovery.start();
    await expect(first).rejects.toBeInstanceOf(DiscoveryError);
    const second = d.discovery.ready();
    await d.polls(1);
    await expect(second).resolves.toBeUndefined();
    await expect(d.discovery.ready()).resolves.toBeUndefined();
    await d.discovery.stop();
    await expect(d.discovery.ready()).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('ready() asks at once instead of waiting for the next interval, and only the polls before the first nodes keep the process alive', async () => {
    const d = poller([unreachable(), config(1, 1), config(2, 1, 2)]);
    d.discovery.start();
    await settle();
    expect(d.asks()).toBe(1);
    const waiting = d.discovery.ready();
    await expect(waiting).resolves.toBeUndefined();
    expect(d.asks()).toBe(2);
    await d.polls(1);
    expect(d.keptAlive).toEqual([true, true, false]);
    await d.discovery.stop();
  });

  it('ready() resolves at once when seeded with servers, and the first answer replaces them whatever its version', async () => {
    const d = poller([config(0, 7)], true);
    await expect(d.discovery.ready()).resolves.toBeUndefined();
    d.discovery.start();
    await settle();
    expect([...d.members]).toEqual([7]);
    await d.discovery.stop();
  });

  it('a listener that throws does not stop discovery', async () => {
    const d = poller([config(1, 1), unreachable(), config(2, 2)], false, {
      onDiscoveryError: () => {
        throw new Error('listener');
      },
      onMembershipChange: () => {
        throw new Error('listener');
      },
    });
    d.discovery.start();
    await d.polls(2);
    expect([...d.members]).toEqual([2]);
    await d.discovery.stop();
  });
});
