import { createNoopMeter, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import {
  ATTR_DISCOVERY_OUTCOME,
  ATTR_LOCK_OUTCOME,
  ATTR_COMPUTE_OUTCOME,
  ATTR_LEASE_EVENT,
  ATTR_UPDATE_OUTCOME,
  DB_CLIENT_OPERATION_DURATION_BUCKETS,
  METRIC_COMPUTE_DURATION,
  METRIC_COMPUTE_LEASES,
  METRIC_COMPUTE_OUTCOMES,
  METRIC_BACKOFF_DELAY,
  METRIC_BATCH_SIZE,
  METRIC_CAS_CONFLICTS,
  METRIC_DISCOVERY_POLLS,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_LOCK_ACQUISITIONS,
  METRIC_LOCK_CONTENTION,
  METRIC_LOCK_EXTENSIONS_LOST,
  METRIC_LOCK_WAIT_DURATION,
  METRIC_NODE_STATE_CHANGES,
  METRIC_NODES_DOWN,
  METRIC_UPDATE_ATTEMPTS,
  METRIC_UPDATE_DURATION,
  METRIC_UPDATE_OUTCOMES,
} from './semconv.js';
import type { Backend } from '../backend/index.js';
import { nodeAttributes } from './node-attributes.js';

/**
 * Every outcome an update can end with: `exhausted` when its own `retry`
 * budget ran out, `throttled` when the client's `retryBudget` stopped it.
 */
export type UpdateTelemetryOutcome =
  | 'created'
  | 'updated'
  | 'removed'
  | 'aborted'
  | 'exhausted'
  | 'throttled'
  | 'indeterminate'
  | 'error';

// memcas-only instruments carry only the attribute that varies: the SDK
// hashes every attribute set on every record. Made once per process, so
// tallies keyed by them add up across meters (see Instruments.absorb).
const OUTCOME_ATTRIBUTES = new Map<UpdateTelemetryOutcome, Attributes>(
  (
    [
      'created',
      'updated',
      'removed',
      'aborted',
      'exhausted',
      'throttled',
      'indeterminate',
      'error',
    ] as const
  ).map((o) => [o, Object.freeze({ [ATTR_UPDATE_OUTCOME]: o })]),
);

/** Attributes for an update outcome. */
export function outcomeAttributes(outcome: UpdateTelemetryOutcome): Attributes {
  return OUTCOME_ATTRIBUTES.get(outcome) as Attributes;
}

/** How a lock acquisition ended. */
export type LockTelemetryOutcome = 'acquired' | 'timeout' | 'aborted' | 'throttled' | 'error';

const LOCK_OUTCOME_ATTRIBUTES = new Map<LockTelemetryOutcome, Attributes>(
  (['acquired', 'timeout', 'aborted', 'throttled', 'error'] as const).map((o) => [
    o,
    Object.freeze({ [ATTR_LOCK_OUTCOME]: o }),
  ]),
);

/** Attributes for a lock acquisition's outcome. */
export function lockOutcomeAttributes(outcome: LockTelemetryOutcome): Attributes {
  return LOCK_OUTCOME_ATTRIBUTES.get(outcome) as Attributes;
}

/** The attribute set of the instruments that have none (made once, so tallies add up). */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** How a discovery poll ended (see the cluster's discovery). */
export type DiscoveryTelemetryOutcome = 'changed' | 'unchanged' | 'stale' | 'failed';

const DISCOVERY_ATTRIBUTES = new Map<DiscoveryTelemetryOutcome, Attributes>(
  (['changed', 'unchanged', 'stale', 'failed'] as const).map((o) => [
    o,
    Object.freeze({ [ATTR_DISCOVERY_OUTCOME]: o }),
  ]),
);

/** Attributes for a discovery poll's outcome. */
export function discoveryAttributes(outcome: DiscoveryTelemetryOutcome): Attributes {
  return DISCOVERY_ATTRIBUTES.get(outcome) as Attributes;
}

/** Every outcome a `getOrCompute()` call can end with. */
export type ComputeTelemetryOutcome = 'hit' | 'computed' | 'stale' | 'error';
/** Every lease event of `getOrCompute()`. */
export type LeaseTelemetryEvent = 'won' | 'waited' | 'released';

const COMPUTE_OUTCOME_ATTRIBUTES = new Map<ComputeTelemetryOutcome, Attributes>(
  (['hit', 'computed', 'stale', 'error'] as const).map((o) => [
    o,
    Object.freeze({ [ATTR_COMPUTE_OUTCOME]: o }),
  ]),
);
const LEASE_EVENT_ATTRIBUTES = new Map<LeaseTelemetryEvent, Attributes>(
  (['won', 'waited', 'released'] as const).map((e) => [
    e,
    Object.freeze({ [ATTR_LEASE_EVENT]: e }),
  ]),
);

/** Attributes for a `getOrCompute()` outcome. */
export function computeOutcomeAttributes(outcome: ComputeTelemetryOutcome): Attributes {
  return COMPUTE_OUTCOME_ATTRIBUTES.get(outcome) as Attributes;
}

/** Attributes for a lease event. */
export function leaseEventAttributes(event: LeaseTelemetryEvent): Attributes {
  return LEASE_EVENT_ATTRIBUTES.get(event) as Attributes;
}

/** A client's node backends, read at each collection for their pending requests. */
export type BackendSource = () => Iterable<Backend>;

/**
 * The instruments and tallies of one Meter, shared by every client that uses
 * it (see {@link instrumentsFor}): several observable callbacks for the same
 * instrument and attributes would overwrite each other instead of adding up.
 */
export class Instruments {
  /**
   * False on the API's no-op meter: nothing recorded reaches an SDK, so
   * callers may skip the work of measuring (reading the clock).
   */
  readonly live: boolean;
  /** `db.client.operation.duration`. */
  readonly operationDuration: Histogram;
  /** CAS conflicts, tallied here and read by an observable counter. */
  readonly conflicts = new Tally();
  /** Attempts per update. */
  readonly updateAttempts: Histogram;
  /** Update outcomes, tallied. */
  readonly updateOutcomes = new Tally();
  /** Update duration. */
  readonly updateDuration: Histogram;
  /** Backoff delays. */
  readonly backoffDelay: Histogram;
  /** Combined batch sizes. */
  readonly batchSize: Histogram;
  /** Node state changes, tallied. */
  readonly nodeStateChanges = new Tally();
  /** Nodes currently down, tallied (+1 / -1). */
  readonly nodesDown = new Tally();
  /** `getOrCompute()` outcomes, tallied. */
  readonly computeOutcomes = new Tally();
  /** Lease events of `getOrCompute()`, tallied. */
  readonly computeLeases = new Tally();
  /** Duration of the computes `getOrCompute()` ran. */
  readonly computeDuration: Histogram;
  /** Lock acquisitions by outcome, tallied. */
  readonly lockAcquisitions = new Tally();
  /** Time lock acquisitions waited. */
  readonly lockWait: Histogram;
  /** Lock tries that found the lock held, tallied. */
  readonly lockContention = new Tally();
  /** Lock extensions that found the lock lost, tallied. */
  readonly lockExtensionsLost = new Tally();
  /** Discovery polls by outcome, tallied. */
  readonly discoveryPolls = new Tally();
  /** The clients whose connections report pending requests. */
  private readonly backends = new Set<BackendSource>();

  /** @param meter - where the instruments are made; use {@link instrumentsFor} to share them */
  constructor(meter: Meter) {
    this.live = meter !== createNoopMeter();
    this.operationDuration = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: 'Duration of memcached operations.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DB_CLIENT_OPERATION_DURATION_BUCKETS] },
    });
    observe(
      meter,
      'counter',
      METRIC_CAS_CONFLICTS,
      'CAS writes (cas, add, CAS delete) that lost a race.',
      '{conflict}',
      this.conflicts,
    );
    this.updateAttempts = meter.createHistogram(METRIC_UPDATE_ATTEMPTS, {
      description: 'Attempts made by one update() call.',
      unit: '{attempt}',
      advice: { explicitBucketBoundaries: [1, 2, 3, 5, 10, 20, 50, 100] },
    });
    observe(
      meter,
      'counter',
      METRIC_UPDATE_OUTCOMES,
      'update() calls by outcome.',
      '{call}',
      this.updateOutcomes,
    );
    this.updateDuration = meter.createHistogram(METRIC_UPDATE_DURATION, {
      description: 'Duration of update() calls, retries and backoff included.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DB_CLIENT_OPERATION_DURATION_BUCKETS] },
    });
    this.backoffDelay = meter.createHistogram(METRIC_BACKOFF_DELAY, {
      description: 'Delay chosen by the backoff policy after a conflict.',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      },
    });
    // No attributes: one set of attributes fewer to hash per batch.
    this.batchSize = meter.createHistogram(METRIC_BATCH_SIZE, {
      description: 'update() calls combined into one read and one write.',
      unit: '{call}',
      advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64, 128] },
    });
    observe(
      meter,
      'counter',
      METRIC_LOCK_ACQUISITIONS,
      'Lock acquisitions (lock() and withLock()) by outcome.',
      '{call}',
      this.lockAcquisitions,
    );
    // No attributes: the outcome is on the acquisitions counter.
    this.lockWait = meter.createHistogram(METRIC_LOCK_WAIT_DURATION, {
      description: 'Time a lock acquisition waited, whatever its outcome.',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      },
    });
    observe(
      meter,
      'counter',
      METRIC_LOCK_CONTENTION,
      'Lock tries that found the lock held by another holder.',
      '{try}',
      this.lockContention,
    );
    observe(
      meter,
      'counter',
      METRIC_LOCK_EXTENSIONS_LOST,
      'Lock extensions that found the lock expired and taken, or its key moved.',
      '{lock}',
      this.lockExtensionsLost,
    );
    observe(
      meter,
      'counter',
      METRIC_NODE_STATE_CHANGES,
      'Nodes marked down or back up.',
      '{change}',
      this.nodeStateChanges,
    );
    observe(
      meter,
      'updown',
      METRIC_NODES_DOWN,
      'Nodes currently marked down.',
      '{node}',
      this.nodesDown,
    );
    observe(
      meter,
      'counter',
      METRIC_DISCOVERY_POLLS,
      'Polls of the discovery (configuration) endpoint, by outcome.',
      '{poll}',
      this.discoveryPolls,
    );
    observe(
      meter,
      'counter',
      METRIC_COMPUTE_OUTCOMES,
      'getOrCompute() calls by outcome.',
      '{call}',
      this.computeOutcomes,
    );
    observe(
      meter,
      'counter',
      METRIC_COMPUTE_LEASES,
      'getOrCompute() lease events: won, waited (one wait for another holder), released.',
      '{event}',
      this.computeLeases,
    );
    this.computeDuration = meter.createHistogram(METRIC_COMPUTE_DURATION, {
      description: 'Duration of the computes getOrCompute() ran.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DB_CLIENT_OPERATION_DURATION_BUCKETS] },
    });
    meter
      .createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
        description:
          'Requests written or queued on a memcached node connection and not yet answered.',
        unit: '{request}',
      })
      .addCallback((result) => {
        // Summed per node over the clients on this meter: one series per node,
        // as callbacks reporting the same attributes would overwrite each other.
        const sums = new Map<string, number>();
        for (const source of this.backends) {
          for (const b of source()) sums.set(b.address, (sums.get(b.address) ?? 0) + b.pending);
        }
        for (const [address, n] of sums) result.observe(n, nodeAttributes(address).pool);
      });
  }

  /** Reports the pending requests of a client's backends, until {@link Instruments.unwatch}. */
  watch(source: BackendSource): void {
    this.backends.add(source);
  }

  /** Stops reporting a client's backends (it closed). */
  unwatch(source: BackendSource): void {
    this.backends.delete(source);
  }

  /**
   * Takes over the counts of a client's instruments from before an SDK was
   * registered: counters count from the client's start, and a node marked
   * down then is still down now.
   */
  absorb(early: Instruments): void {
    this.conflicts.absorb(early.conflicts);
    this.updateOutcomes.absorb(early.updateOutcomes);
    this.nodeStateChanges.absorb(early.nodeStateChanges);
    this.nodesDown.absorb(early.nodesDown);
    this.computeOutcomes.absorb(early.computeOutcomes);
    this.computeLeases.absorb(early.computeLeases);
    this.lockAcquisitions.absorb(early.lockAcquisitions);
    this.lockContention.absorb(early.lockContention);
    this.lockExtensionsLost.absorb(early.lockExtensionsLost);
    this.discoveryPolls.absorb(early.discoveryPolls);
  }
}

const SHARED = new WeakMap<Meter, Instruments>();

/** The instruments of a Meter, made on its first use and shared by every client on it. */
export function instrumentsFor(meter: Meter): Instruments {
  let shared = SHARED.get(meter);
  if (!shared) {
    shared = new Instruments(meter);
    SHARED.set(meter, shared);
  }
  return shared;
}

/**
 * Sums kept in the process per attribute set (by object identity: the sets
 * are made once), read by an observable instrument at collection time. Adding
 * is a Map update instead of an SDK call that hashes the attributes.
 */
export class Tally {
  private readonly sums = new Map<Attributes, number>();

  /** Adds `n` for an attribute set. */
  add(n: number, attributes: Attributes): void {
    this.sums.set(attributes, (this.sums.get(attributes) ?? 0) + n);
  }

  /** Adds every sum of another tally (counts made before an SDK registered). */
  absorb(other: Tally): void {
    for (const [attributes, sum] of other.sums) this.add(sum, attributes);
  }

  /** Every attribute set with its sum. */
  entries(): IterableIterator<[Attributes, number]> {
    return this.sums.entries();
  }
}

/** Registers an observable instrument that reports a tally's sums. */
export function observe(
  meter: Meter,
  kind: 'counter' | 'updown',
  name: string,
  description: string,
  unit: string,
  tally: Tally,
): void {
  const options = { description, unit };
  const instrument =
    kind === 'counter'
      ? meter.createObservableCounter(name, options)
      : meter.createObservableUpDownCounter(name, options);
  instrument.addCallback((result) => {
    for (const [attributes, sum] of tally.entries()) result.observe(sum, attributes);
  });
}
