export { type Topology, type NodeInfo, SingleNodeTopology } from './topology.js';
export { ClusterTopology, type ClusterNode } from './cluster-topology.js';
export {
  DEFAULT_CLUSTER_OPTIONS,
  resolveClusterOptions,
  type ClusterOptions,
  type ResolvedClusterOptions,
  type NodeStateChange,
  type NodeDownPolicy,
} from './cluster-options.js';
export { Ring, type RingNode } from './ring.js';
export { NodeHealth, type NodeState } from './node-health.js';
export { isNodeFailure } from './node-failure.js';
export { CasToken, ownerSinceRead, tokenOf } from './cas-token.js';
export { fetchMany, type FetchedEntry } from './get-many.js';
export {
  askConfigEndpoint,
  DEFAULT_DISCOVERY_OPTIONS,
  Discovery,
  readConfigReply,
  resolveDiscoveryOptions,
  type ClusterConfig,
  type DiscoveredNode,
  type DiscoveryOptions,
  type DiscoveryPollOutcome,
  type MembershipChange,
  type ResolvedDiscoveryOptions,
} from './discovery/index.js';
