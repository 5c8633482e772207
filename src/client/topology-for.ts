import { MemoryStore, ObservedBackend } from '../backend/index.js';
import {
  askConfigEndpoint,
  ClusterTopology,
  Discovery,
  SingleNodeTopology,
  type ClusterNode,
  type DiscoveredNode,
  type Topology,
} from '../cluster/index.js';
import { nodeBackend } from '../protocol/index.js';
import { OperationObserver, type Telemetry } from '../telemetry/index.js';
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
    connectsTo: server.host.includes(':')
      ? `[${server.host}]:${server.port}`
      : `${server.host}:${server.port}`,
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
      return backend;
    },
  };
}

/** The topology the options ask for: a cluster of memcached nodes, or the embedded store. */
export function topologyFor(o: ResolvedClientOptions, telemetry: Telemetry): Topology {
  if (o.servers.length > 0 || o.cluster.discovery) {
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
  return new SingleNodeTopology(new ObservedBackend(store, observer));
}

/**
 * A node from the discovery endpoint as a server entry: named
 * `hostname:port` (the IP when there is no hostname), reached at its IP when
 * one is given, spoken to with the client's protocol and credentials.
 */
export function discoveredServer(node: DiscoveredNode, o: ResolvedClientOptions): ResolvedServer {
  const name = node.hostname || node.ip;
  return {
    host: node.ip || node.hostname,
    port: node.port,
    weight: 1,
    address: name.includes(':') ? `[${name}]:${node.port}` : `${name}:${node.port}`,
    credentials: undefined,
    protocol: o.protocol,
  };
}

/**
 * The options for a discovered node: over TLS, a node reached at its IP has
 * its certificate checked against its hostname (ElastiCache's node
 * certificates name host names, not IPs), unless `tls.servername` says otherwise.
 */
function withServername(node: DiscoveredNode, o: ResolvedClientOptions): ResolvedClientOptions {
  if (o.tls === undefined || o.tls.servername !== undefined) return o;
  if (node.hostname === '' || node.ip === '') return o;
  return { ...o, tls: { ...o.tls, servername: node.hostname } };
}

/**
 * Starts discovery when the options ask for it: polls the endpoint and
 * reconciles the cluster's membership with each newer config; failed polls
 * go to the callback and telemetry.
 */
export function discoveryFor(
  o: ResolvedClientOptions,
  topology: Topology,
  telemetry: Telemetry,
): Discovery | undefined {
  const options = o.cluster.discovery;
  if (options === undefined || !(topology instanceof ClusterTopology)) return undefined;
  const discovery = new Discovery(
    options,
    {
      ask: (signal, keepAlive) =>
        askConfigEndpoint(options.endpoint, {
          timeoutMs: options.timeoutMs,
          tls: o.tls,
          signal,
          keepAlive,
        }),
      apply: (config) =>
        topology.reconcile(
          config.nodes.map((n) =>
            clusterNode(discoveredServer(n, o), withServername(n, o), telemetry),
          ),
        ),
      get size() {
        return topology.size;
      },
      polled: (outcome) => telemetry.discoveryPolled(outcome),
    },
    o.clock,
    o.servers.length > 0,
  );
  discovery.start();
  return discovery;
}
