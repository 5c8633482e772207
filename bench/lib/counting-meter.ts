import type {
  Counter,
  Gauge,
  Histogram,
  Meter,
  MeterProvider,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';

/**
 * A MeterProvider whose instruments do nothing but count the calls made to
 * them: what an SDK would be asked to do, at no cost of its own. With it, a
 * benchmark measures memcas's own share of recording metrics (reading the
 * clock, picking attribute sets, the calls themselves), and how many SDK calls
 * an operation makes. Observable callbacks are never run: there is no reader.
 */
export class CountingMeterProvider implements MeterProvider {
  private readonly counts = new Map<string, { n: number }>();
  private readonly meter: Meter;

  constructor() {
    const sync = (name: string): Histogram & Counter & UpDownCounter & Gauge => {
      // A plain field increment: the counting must cost next to nothing.
      const cell = { n: 0 };
      this.counts.set(name, cell);
      const count = (): void => {
        cell.n++;
      };
      return { record: count, add: count };
    };
    const observable = (): ObservableGauge & ObservableCounter & ObservableUpDownCounter => ({
      addCallback: () => {},
      removeCallback: () => {},
    });
    this.meter = {
      createHistogram: sync,
      createCounter: sync,
      createUpDownCounter: sync,
      createGauge: sync,
      createObservableGauge: observable,
      createObservableCounter: observable,
      createObservableUpDownCounter: observable,
      addBatchObservableCallback: () => {},
      removeBatchObservableCallback: () => {},
    } as Meter;
  }

  getMeter(): Meter {
    return this.meter;
  }

  /** Calls to `record` / `add` so far, by instrument name. */
  calls(): Map<string, number> {
    return new Map([...this.counts].map(([name, cell]) => [name, cell.n]));
  }

  /** Every call so far. */
  total(): number {
    let n = 0;
    for (const cell of this.counts.values()) n += cell.n;
    return n;
  }
}
