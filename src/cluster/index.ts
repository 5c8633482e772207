export { type Topology, SingleNodeTopology } from './topology.js';
