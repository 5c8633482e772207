import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** An SDK meter and tracer provider that keep everything in memory, for tests. */
export class InMemoryOtel {
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly spanExporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });

  /** Collects and returns the current metrics. */
  async metrics(): Promise<ResourceMetrics> {
    await this.reader.forceFlush();
    const all = this.metricExporter.getMetrics();
    return all[all.length - 1]!;
  }

  /** Every finished span. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** Data points of one metric, by name. */
  async points(
    name: string,
  ): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>> {
    const rm = await this.metrics();
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) if (m.descriptor.name === name) return m.dataPoints as never;
    }
    return [];
  }

  /** Shuts both providers down. */
  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}
