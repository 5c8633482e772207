import { performance } from 'node:perf_hooks';
import type { Span } from '@opentelemetry/api';
import type { BackendObserver } from '../backend/index.js';
import type { NodeAttributes } from './node-attributes.js';
import { replyTime } from './reply-clock.js';
import { DB_OPERATION_BATCH_PREFIX } from './semconv.js';
import { failSpan, type Telemetry } from './telemetry.js';

/** memcas's operation names as semconv `db.operation.name` values (memcached's own command names). */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  flush: 'flush_all',
};

/** A node's `getMany` is a pipeline of quiet gets: a batch of `get`s, in semconv terms. */
const BATCH_GET = `${DB_OPERATION_BATCH_PREFIX}get`;

/**
 * What `start` hands to `finish`: nothing when there is nothing to record;
 * the start time; or, for a traced operation or a batch, the start time with
 * the span and the operation's name.
 */
type Token =
  | undefined
  | number
  | { readonly started: number; readonly span: Span | undefined; readonly name: string };

/**
 * Times every operation of one node into `db.client.operation.duration`
 * (unless `measureOperations` is off or no SDK is registered), traces it (with `traceOperations`),
 * and counts CAS races as conflicts: an outcome, not an error. Attribute sets are made once per node
 * and operation, so recording allocates nothing extra.
 *
 * A `getMany` on the binary and meta protocols sends one quiet get per key,
 * so per the database conventions it is a batch: `db.operation.name` is
 * `BATCH get`, and its span carries `db.operation.batch.size`: the backend
 * passes the size to `start`. A `getMany` of one key is a plain `get`, and so
 * is one without a size: the text protocol's multi-key `gets`, one command
 * (the conventions: a command is not a batch because it takes many keys).
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

  /** See {@link BackendObserver.start}. */
  start(op: string, batchSize?: number): Token {
    let name = OPERATION_NAMES[op] ?? op;
    let size: number | undefined;
    if (op === 'getMany') {
      size = batchSize;
      // One key is one operation, not a batch; nor is one multi-key command (semconv).
      name = size === undefined || size === 1 ? 'get' : BATCH_GET;
    }
    const span = this.telemetry.operationSpan(
      this.attributes,
      name,
      name === BATCH_GET ? size : undefined,
    );
    // With no SDK to record into, skip the clock reads.
    if (span === undefined && !(this.telemetry.measureOperations && this.telemetry.metrics.live)) {
      return undefined;
    }
    const started = performance.now();
    return span === undefined && op !== 'getMany' ? started : { started, span, name };
  }

  finish(op: string, token: unknown, error: unknown): void {
    const t = token as Token;
    if (t === undefined) return;
    if (this.telemetry.measureOperations) {
      const started = typeof t === 'number' ? t : t.started;
      const name = typeof t === 'number' ? (OPERATION_NAMES[op] ?? op) : t.name;
      const seconds = Math.max(0, replyTime() - started) / 1000;
      const attributes =
        error === undefined ? this.attributes.op(name) : this.attributes.failed(name, error);
      this.telemetry.metrics.operationDuration.record(seconds, attributes);
    }
    if (typeof t === 'number' || t.span === undefined) return;
    if (error === undefined) t.span.end();
    else failSpan(t.span, error);
  }

  conflict(op: string): void {
    this.telemetry.metrics.conflicts.add(1, this.attributes.op(OPERATION_NAMES[op] ?? op));
  }
}
