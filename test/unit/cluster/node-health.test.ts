import { describe, expect, it } from 'vitest';
import { NodeHealth } from '../../../src/cluster/index.js';

describe('NodeHealth', () => {
  const make = () => {
    const clock = { now: 0 };
    return { clock, health: new NodeHealth(3, 1000, () => clock.now) };
  };
  const fail = new Error('refused');

  it('marks the node down only after failureThreshold consecutive failures', () => {
    const { health } = make();
    expect(health.failure(fail)).toBe(false);
    expect(health.failure(fail)).toBe(false);
    expect(health.state).toBe('up');
    expect(health.failure(fail)).toBe(true);
    expect(health.state).toBe('down');
    expect(health.failure(fail)).toBe(false); // already down: no second transition
  });

  it('a success in between resets the count', () => {
    const { health } = make();
    health.failure(fail);
    health.failure(fail);
    health.success();
    health.failure(fail);
    health.failure(fail);
    expect(health.state).toBe('up');
  });

  it('a down node is due for a probe every retryAfterMs, and only a probe brings it back', () => {
    const { clock, health } = make();
    clock.now = 500;
    for (let i = 0; i < 3; i++) health.failure(fail);
    expect(health.probeDue()).toBe(false);
    expect(health.nextProbeInMs()).toBe(1000);
    clock.now = 1499;
    expect(health.probeDue()).toBe(false);
    clock.now = 1500;
    expect(health.probeDue()).toBe(true);
    health.probing();
    expect(health.nextProbeInMs()).toBe(1000);
    health.success(); // answers to requests sent before do not bring it back
    expect(health.state).toBe('down');
    health.recovered();
    expect(health.state).toBe('up');
    expect(health.failures).toBe(0);
  });
});
