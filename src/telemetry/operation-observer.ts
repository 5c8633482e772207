import type { Span } from '@opentelemetry/api';
import type { BackendObserver } from '../backend/index.js';
import type { NodeAttributes } from './node-attributes.js';
import { failSpan, type Telemetry } from './telemetry.js';

/** memcas's operation names as semconv `db.operation.name` values (memcached's own command names). */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  getMany: 'get_multi',
  flush: 'flush_all',
};

/**
 * What `start` hands to `finish`: the start time, and the span when
 * operations are traced; nothing when there is nothing to record.
 */
type Token = undefined | number | { readonly started: number; readonly span: Span };

/**
 * Times every operation of one node into `db.client.operation.duration`
 * (unless `measureOperations` is off or no SDK is registered), traces it (with `traceOperations`),
 * and counts CAS races as conflicts: an outcome, not an error. Attribute sets are made once per node
 * and operation, so recording allocates nothing extra.
 */
export class OperationObserver implements BackendObserver {
  private readonly attributes: NodeAttributes;

  /** @param telemetry - the client's instruments @param address - the node */
  constructor(
    private readonly telemetry: Telemetry,
    address: string,
  ) {
    this.attributes = telemetry.node(address);
  }

  start(op: string): Token {
    const span = this.telemetry.operationSpan(this.attributes, OPERATION_NAMES[op] ?? op);
    if (span) return { started: performance.now(), span };
    // With no SDK to record into, skip the clock reads.
    return this.telemetry.measureOperations && this.telemetry.metrics.live
      ? performance.now()
      : undefined;
  }

  finish(op: string, token: unknown, error: unknown): void {
    const t = token as Token;
    if (t === undefined) return;
    if (this.telemetry.measureOperations) {
      const started = typeof t === 'number' ? t : t.started;
      const name = OPERATION_NAMES[op] ?? op;
      const seconds = (performance.now() - started) / 1000;
      const attributes =
        error === undefined ? this.attributes.op(name) : this.attributes.failed(name, error);
      this.telemetry.metrics.operationDuration.record(seconds, attributes);
    }
    if (typeof t === 'number') return;
    if (error === undefined) t.span.end();
    else failSpan(t.span, error);
  }

  conflict(op: string): void {
    this.telemetry.metrics.conflicts.add(1, this.attributes.op(OPERATION_NAMES[op] ?? op));
  }
}
