/**
 * Metric and attribute names: OpenTelemetry's database semantic conventions
 * where they exist (stable), `memcas.*` names for the rest.
 */

/** semconv: the database system. */
export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
/** semconv: the value of `db.system.name` for memcached. */
export const DB_SYSTEM_NAME_VALUE_MEMCACHED = 'memcached';
/** semconv: the operation, e.g. `get`, `cas`. */
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
/** semconv: the number of operations in a batch (2 or more), on batch spans only. */
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
/** semconv: `db.operation.name` of a batch whose operations share a name is that name after `BATCH `. */
export const DB_OPERATION_BATCH_PREFIX = 'BATCH ';
/** semconv: the node's host. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** semconv: the node's port. */
export const ATTR_SERVER_PORT = 'server.port';
/** semconv: the class of error, set only on failure. */
export const ATTR_ERROR_TYPE = 'error.type';
/** semconv: duration of database client operations (histogram, seconds). */
export const METRIC_DB_CLIENT_OPERATION_DURATION = 'db.client.operation.duration';
/** semconv: bucket boundaries advised for `db.client.operation.duration`. */
export const DB_CLIENT_OPERATION_DURATION_BUCKETS = Object.freeze([
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
]);

/**
 * semconv (development): requests pending on a connection pool's open
 * connections (up-down counter). memcas: requests written or queued on a
 * node's connection and not yet answered, per node.
 */
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
/** semconv (development): the connection pool; memcas: the node's `host:port`. */
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';

/** CAS writes that lost a race (counter), by node and operation. */
export const METRIC_CAS_CONFLICTS = 'memcas.cas.conflicts';
/** Attempts per `update()` call (histogram). */
export const METRIC_UPDATE_ATTEMPTS = 'memcas.update.attempts';
/** `update()` calls by outcome (counter). */
export const METRIC_UPDATE_OUTCOMES = 'memcas.update.outcomes';
/** `update()` duration (histogram, seconds). */
export const METRIC_UPDATE_DURATION = 'memcas.update.duration';
/** Lock acquisitions (counter), by outcome: acquired, timeout, aborted, throttled, error. */
export const METRIC_LOCK_ACQUISITIONS = 'memcas.lock.acquisitions';
/** Time an acquisition waited for a lock, whatever its outcome (histogram, seconds). */
export const METRIC_LOCK_WAIT_DURATION = 'memcas.lock.wait.duration';
/** Tries that found a lock held by another holder (counter). */
export const METRIC_LOCK_CONTENTION = 'memcas.lock.contention';
/** Extensions that found a lock expired and taken, or its key moved (counter). */
export const METRIC_LOCK_EXTENSIONS_LOST = 'memcas.lock.extensions_lost';
/** Backoff delay chosen after a conflict (histogram, seconds). */
export const METRIC_BACKOFF_DELAY = 'memcas.backoff.delay';
/** `update()` calls combined into one read and write (histogram). */
export const METRIC_BATCH_SIZE = 'memcas.update.batch_size';
/** Node state changes (counter), by node and new state. */
export const METRIC_NODE_STATE_CHANGES = 'memcas.node.state_changes';
/** Nodes currently marked down (up-down counter). */
export const METRIC_NODES_DOWN = 'memcas.nodes.down';
/** Polls of the discovery endpoint (counter), by outcome. */
export const METRIC_DISCOVERY_POLLS = 'memcas.discovery.polls';

/** `getOrCompute()` calls by outcome (counter): hit, computed, stale, error. */
export const METRIC_COMPUTE_OUTCOMES = 'memcas.compute.outcomes';
/** Lease events of `getOrCompute()` (counter): won, waited (one wait for another's lease), released (a compute threw). */
export const METRIC_COMPUTE_LEASES = 'memcas.compute.leases';
/** Duration of the computes `getOrCompute()` ran (histogram, seconds). */
export const METRIC_COMPUTE_DURATION = 'memcas.compute.duration';

/** The outcome of an `update()`: created, updated, removed, aborted, exhausted, indeterminate, error. */
export const ATTR_UPDATE_OUTCOME = 'memcas.update.outcome';
/** How a lock acquisition ended: acquired, timeout, aborted, throttled (the retry budget refused a new try) or error. */
export const ATTR_LOCK_OUTCOME = 'memcas.lock.outcome';
/** The outcome of a `getOrCompute()` call: hit, computed, stale, error. */
export const ATTR_COMPUTE_OUTCOME = 'memcas.compute.outcome';
/** A lease event: won, waited, released. */
export const ATTR_LEASE_EVENT = 'memcas.lease.event';
/** A node's new state: up or down. */
export const ATTR_NODE_STATE = 'memcas.node.state';
/** How a discovery poll ended: changed, unchanged, stale (an older version, ignored) or failed. */
export const ATTR_DISCOVERY_OUTCOME = 'memcas.discovery.outcome';
/** Span event attribute: the attempt that conflicted. */
export const ATTR_ATTEMPT = 'memcas.attempt';
/** Span event attribute: the backoff delay chosen, in ms. */
export const ATTR_BACKOFF_DELAY_MS = 'memcas.backoff.delay_ms';
/** Span event attribute: the kind of conflict. */
export const ATTR_CONFLICT_KIND = 'memcas.conflict.kind';
/** Span attribute: attempts an update made. */
export const ATTR_UPDATE_ATTEMPTS = 'memcas.update.attempts';
/** Span event name for a conflict in an update. */
export const EVENT_CAS_CONFLICT = 'memcas.cas_conflict';
