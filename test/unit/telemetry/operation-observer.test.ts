import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/index.js';
import { OperationObserver, Telemetry } from '../../../src/telemetry/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';

let otel: InMemoryOtel;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await otel.shutdown();
});

function traced(): Telemetry {
  otel = new InMemoryOtel();
  return new Telemetry({
    meterProvider: otel.meterProvider,
    tracerProvider: otel.tracerProvider,
    traceOperations: true,
  });
}

describe('OperationObserver: a getMany as a batch', () => {
  it('names the embedded store getMany a BATCH get of its keys', async () => {
    otel = new InMemoryOtel();
    client = createClient({ tracerProvider: otel.tracerProvider, traceOperations: true });
    await client.getMany(['a', 'b', 'c']);
    const [span] = otel.spans();
    expect(span!.name).toBe('BATCH get memcached');
    expect(span!.attributes).toMatchObject({
      'db.operation.name': 'BATCH get',
      'db.operation.batch.size': 3,
      'server.address': 'memory',
    });
  });

  it('a getMany started without a size (one multi-key command) or of one key is a plain get', () => {
    const observer = new OperationObserver(traced(), '127.0.0.1:1');
    observer.finish('getMany', observer.start('getMany'), undefined);
    observer.finish('getMany', observer.start('getMany', 1), undefined);
    const spans = otel.spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes['db.operation.name']).toBe('get');
      expect(span.attributes).not.toHaveProperty('db.operation.batch.size');
    }
  });

  it('a size given to one getMany is not carried to the next', () => {
    const observer = new OperationObserver(traced(), '127.0.0.1:1');
    observer.finish('getMany', observer.start('getMany', 5), undefined);
    observer.finish('getMany', observer.start('getMany'), undefined);
    const [first, second] = otel.spans();
    expect(first!.attributes['db.operation.batch.size']).toBe(5);
    expect(second!.attributes['db.operation.name']).toBe('get');
  });
});
