/**
 * Telemetry: a small contended workload against a local memcached node,
 * with the OpenTelemetry SDK's console exporter printing memcas's metrics.
 *
 * Run: npx tsx examples/telemetry.ts
 */
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { createClient, type ClientOptions } from '../src/index.js';
import { startMemcached, stopAllMemcached } from '../test/helpers/memcached-node.js';

const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000, // we flush by hand at the end
});
const meterProvider = new MeterProvider({ readers: [reader] });

async function main(): Promise<void> {
  let servers: ClientOptions;
  try {
    const [node] = await startMemcached(1);
    servers = { servers: [node!.address] };
    console.log(`memcached at ${node!.address}`);
  } catch {
    servers = {};
    console.log('memcached not available: using the embedded store');
  }
  // Four clients, like four servers, contending on two counters.
  const clients = Array.from({ length: 4 }, () =>
    createClient({ ...servers, meterProvider, combineUpdates: false }),
  );
  await clients[0]!.set('hits', 0);
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 50; i++) {
        await c.update<number>(i % 2 ? 'hits' : 'visits', (n) => (n ?? 0) + 1);
      }
    }),
  );
  console.log('hits =', await clients[0]!.get('hits'), 'visits =', await clients[0]!.get('visits'));
  await Promise.all(clients.map((c) => c.close()));
  // Shutting down exports (prints) what was recorded.
  await meterProvider.shutdown();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void stopAllMemcached());
