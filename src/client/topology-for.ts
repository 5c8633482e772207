import { MemoryStore, ObservedBackend } from '../backend/index.js';
import {
  ClusterTopology,
  SingleNodeTopology,
  type ClusterNode,
  type Topology,
} from '../cluster/index.js';
import { nodeBackend } from '../protocol/index.js';
import { BatchSizing, OperationObserver, type Telemetry } from '../telemetry/index.js';
import type { ResolvedClientOptions } from './options.js';
import type { ResolvedServer } from './server-address.js';

/** The cluster node for one server entry, connecting with the client's settings and telling telemetry. */
export function clusterNode(
  server: ResolvedServer,
  o: ResolvedClientOptions,
  telemetry: Telemetry,
): ClusterNode {
  const observer = new OperationObserver(telemetry, server.address);
  return {
    address: server.address,
    weight: server.weight,
    observer,
    connect: (health) => {
      const backend = nodeBackend(
        server.protocol,
        {
          host: server.host,
          port: server.port,
          timeoutMs: o.timeoutMs,
          connectTimeoutMs: o.connectTimeoutMs,
          maxValueBytes: o.maxValueBytes,
          credentials: server.credentials ?? o.credentials,
          tls: o.tls,
        },
        o.cluster.retryAfterMs,
        health,
      );
      // Text reads many keys with one multi-key gets: one operation, not a batch.
      return server.protocol === 'text' ? backend : new BatchSizing(backend, observer);
    },
  };
}

/** The topology the options ask for: a cluster of memcached nodes, or the embedded store. */
export function topologyFor(o: ResolvedClientOptions, telemetry: Telemetry): Topology {
  if (o.servers.length > 0) {
    const userListener = o.cluster.onNodeStateChange;
    const topology = new ClusterTopology(
      o.servers.map((s) => clusterNode(s, o, telemetry)),
      {
        ...o.cluster,
        onNodeStateChange: (change) => {
          telemetry.nodeStateChanged(telemetry.node(change.node), change.state);
          userListener?.(change);
        },
      },
      o.clock,
    );
    // Each node's pending requests, read at collection (the embedded store has no connection).
    telemetry.watch(() => topology.nodes());
    return topology;
  }
  const store =
    o.memory instanceof MemoryStore
      ? o.memory
      : new MemoryStore({ ...o.memory, maxValueBytes: o.maxValueBytes });
  const observer = new OperationObserver(telemetry, store.address);
  return new SingleNodeTopology(new BatchSizing(new ObservedBackend(store, observer), observer));
}
