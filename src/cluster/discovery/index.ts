export {
  readConfigReply,
  parseConfigValue,
  MalformedConfigError,
  MAX_CONFIG_BYTES,
  type ClusterConfig,
  type ConfigReply,
  type DiscoveredNode,
} from './cluster-config.js';
export { askConfigEndpoint, type Endpoint, type AskOptions } from './config-endpoint.js';
export {
  DEFAULT_DISCOVERY_OPTIONS,
  resolveDiscoveryOptions,
  type DiscoveryOptions,
  type MembershipChange,
  type ResolvedDiscoveryOptions,
} from './discovery-options.js';
export { Discovery, type DiscoveryPollOutcome, type DiscoveryTarget } from './discovery.js';
