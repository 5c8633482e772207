import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_NODE_STATE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_MEMCACHED,
} from './semconv.js';

const BY_ADDRESS = new Map<string, NodeAttributes>();

/**
 * The attribute sets of a node, made once per address in the process: tallies
 * are keyed by attribute-set identity, so counts made before an SDK
 * registered add up with those made after, and clients on one node share them.
 */
export function nodeAttributes(address: string): NodeAttributes {
  let attrs = BY_ADDRESS.get(address);
  if (!attrs) {
    attrs = new NodeAttributes(address);
    BY_ADDRESS.set(address, attrs);
  }
  return attrs;
}

/** Precomputed attributes of one node, so recording allocates nothing. Get them with {@link nodeAttributes}. */
export class NodeAttributes {
  private readonly byOp = new Map<string, Attributes>();
  private readonly byState = new Map<string, Attributes>();
  /** Attributes naming the node (and the system). */
  readonly base: Attributes;
  /** The node's attributes as a connection pool (its `host:port` is the pool name). */
  readonly pool: Attributes;

  /** @param address - `host:port`, or `memory` for the embedded store */
  constructor(address: string) {
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(address);
    this.base = Object.freeze(
      m
        ? {
            [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MEMCACHED,
            [ATTR_SERVER_ADDRESS]: m[1],
            [ATTR_SERVER_PORT]: Number(m[2]),
          }
        : { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MEMCACHED, [ATTR_SERVER_ADDRESS]: address },
    );
    this.pool = Object.freeze({ [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: address, ...this.base });
  }

  /** Attributes of a successful operation. */
  op(name: string): Attributes {
    let attrs = this.byOp.get(name);
    if (!attrs) {
      attrs = Object.freeze({ ...this.base, [ATTR_DB_OPERATION_NAME]: name });
      this.byOp.set(name, attrs);
    }
    return attrs;
  }

  /** Attributes of a failed operation. */
  failed(name: string, error: unknown): Attributes {
    return { ...this.op(name), [ATTR_ERROR_TYPE]: errorType(error) };
  }

  /** Attributes of a state change. */
  state(state: 'up' | 'down'): Attributes {
    let attrs = this.byState.get(state);
    if (!attrs) {
      attrs = Object.freeze({ ...this.base, [ATTR_NODE_STATE]: state });
      this.byState.set(state, attrs);
    }
    return attrs;
  }
}

/** A low-cardinality error type: the memcas error's name, or the class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || 'Error';
  return '_OTHER';
}
