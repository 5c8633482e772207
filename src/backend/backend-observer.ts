/**
 * Told about every operation a backend performs: how the cluster tracks node
 * health and how telemetry times operations, without wrapping each call in
 * another promise. `start` runs in the caller's context (so a span started
 * there gets the right parent); `finish` runs when the answer (or failure)
 * arrives.
 */
export interface BackendObserver {
  /**
   * An operation is about to be sent. Returns a token handed back to `finish`.
   * `batchSize`: the keys of a `getMany` sent as one request per key (a
   * pipeline, a batch in the database conventions); undefined for one request.
   */
  start(op: string, batchSize?: number): unknown;
  /** The operation ended; `error` is undefined when it was answered. */
  finish(op: string, token: unknown, error: unknown): void;
  /** A CAS write (`cas`, `add`, CAS `delete`) lost its race. */
  conflict(op: string): void;
}
