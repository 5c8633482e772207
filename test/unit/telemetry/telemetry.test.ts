import { createNoopMeter } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { Telemetry } from '../../../src/telemetry/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';

const providers: InMemoryOtel[] = [];
afterEach(async () => {
  InMemoryOtel.unregisterGlobals();
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function sdk(): InMemoryOtel {
  const otel = new InMemoryOtel();
  providers.push(otel);
  return otel;
}

describe('Telemetry on the global API', () => {
  it('uses no-op instruments until an SDK registers, then the SDK meter, with the counts so far', async () => {
    const telemetry = new Telemetry();
    const early = telemetry.metrics;
    expect(early.live).toBe(false);
    expect(telemetry.metrics).toBe(early); // no SDK yet: still the same no-ops
    early.updateOutcomes.add(2, telemetry.outcome('updated'));

    const otel = sdk();
    otel.registerGlobally();
    // The answer "none yet" held for this job: the SDK is seen after an await.
    expect(telemetry.metrics).toBe(early);
    await null;
    const settled = telemetry.metrics;
    expect(settled).not.toBe(early);
    expect(settled.live).toBe(true);
    settled.updateOutcomes.add(1, telemetry.outcome('updated'));
    expect((await otel.points('memcas.update.outcomes')).map((p) => p.value)).toEqual([3]);
    expect(telemetry.metrics).toBe(settled);
  });

  it('a client made after the SDK registered shares its instruments with one made before', () => {
    const before = new Telemetry();
    sdk().registerGlobally();
    const after = new Telemetry();
    expect(after.metrics.live).toBe(true);
    expect(before.metrics).toBe(after.metrics);
  });

  it('keeps the instruments it settled on when the global provider is replaced later', () => {
    sdk().registerGlobally();
    const telemetry = new Telemetry();
    const settled = telemetry.metrics;
    InMemoryOtel.unregisterGlobals();
    sdk().registerGlobally();
    expect(telemetry.metrics).toBe(settled);
  });

  it('a given meterProvider is used as it is, the API no-op included', () => {
    const otel = sdk();
    const own = new Telemetry({ meterProvider: otel.meterProvider });
    expect(own.metrics.live).toBe(true);
    const noop = new Telemetry({ meterProvider: { getMeter: () => createNoopMeter() } });
    expect(noop.metrics.live).toBe(false);
  });
});
