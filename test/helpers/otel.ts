import { metrics, trace } from '@opentelemetry/api';
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
    const rm = await this.collect();
    if (rm === undefined) throw new Error('the reader exported nothing');
    return rm;
  }

  /** Collects; undefined when the SDK had nothing to export (no instrument made on it). */
  private async collect(): Promise<ResourceMetrics | undefined> {
    await this.reader.forceFlush();
    const all = this.metricExporter.getMetrics();
    return all[all.length - 1];
  }

  /** Every finished span. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** Data points of one metric, by name. */
  async points(
    name: string,
  ): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>> {
    const rm = await this.collect();
    for (const sm of rm?.scopeMetrics ?? []) {
      for (const m of sm.metrics) if (m.descriptor.name === name) return m.dataPoints as never;
    }
    return [];
  }

  /** Registers both providers as the global ones of `@opentelemetry/api`. */
  registerGlobally(): void {
    if (!metrics.setGlobalMeterProvider(this.meterProvider)) {
      throw new Error('a global MeterProvider is already registered');
    }
    if (!trace.setGlobalTracerProvider(this.tracerProvider)) {
      throw new Error('a global TracerProvider is already registered');
    }
  }

  /** Removes whatever global providers are registered (the API allows one registration until then). */
  static unregisterGlobals(): void {
    metrics.disable();
    trace.disable();
  }

  /**
   * Every metric reduced to what a workload decides, not timing: per metric
   * and attribute set, a counter's value or a histogram's count.
   */
  async summary(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const sm of (await this.collect())?.scopeMetrics ?? []) {
      for (const m of sm.metrics) {
        const points: Record<string, number> = {};
        for (const p of m.dataPoints) {
          const v = p.value as number | { count: number };
          points[JSON.stringify(p.attributes)] = typeof v === 'number' ? v : v.count;
        }
        out[m.descriptor.name] = points;
      }
    }
    return out;
  }

  /** Shuts both providers down. */
  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}
