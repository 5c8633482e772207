import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/index.js';
import { MemoryStore, type Backend } from '../../../src/backend/index.js';
import { BatchSizing, OperationObserver, Telemetry } from '../../../src/telemetry/index.js';
import { InMemoryOtel } from '../../helpers/otel.js';

let otel: InMemoryOtel;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
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

describe('BatchSizing', () => {
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

  it('forgets the size after the call, also when the backend throws at once', async () => {
    const telemetry = traced();
    const observer = new OperationObserver(telemetry, '127.0.0.1:1');
    const throwing = {
      getMany: () => {
        throw new Error('refused synchronously');
      },
    } as unknown as Backend;
    expect(() => new BatchSizing(throwing, observer).getMany(['a', 'b'])).toThrow();
    // A getMany observed without a size afterwards (one multi-key command) is not sized by the old call.
    observer.finish('getMany', observer.start('getMany'), undefined);
    const [span] = otel.spans();
    expect(span!.attributes['db.operation.name']).toBe('get');
    expect(span!.attributes).not.toHaveProperty('db.operation.batch.size');
  });

  it('passes every other call and the pending count through', async () => {
    const telemetry = traced();
    const store = new MemoryStore();
    const sized = new BatchSizing(store, new OperationObserver(telemetry, store.address));
    await sized.store({
      mode: 'set',
      key: 'k',
      value: Buffer.from('v'),
      flags: 0,
      ttl: 0,
      cas: 0n,
    });
    expect((await sized.get('k'))?.value.toString()).toBe('v');
    expect(sized.pending).toBe(0);
    expect(sized.address).toBe('memory');
  });
});
