import { createClient } from '../../../src/index.js';
import { describeClientContract } from '../../contract/client-contract.js';
import { describeUpdateContract } from '../../contract/update-contract.js';
import { describeComputeContract } from '../../contract/compute-contract.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);

describeClientContract('memcached', () => {
  return (options = {}) => createClient({ servers: [cluster.nodes[0]!.address], ...options });
});

describeUpdateContract('memcached', () => {
  return (options = {}) => createClient({ servers: [cluster.nodes[0]!.address], ...options });
});

describeComputeContract('memcached', () => {
  return (options = {}) => createClient({ servers: [cluster.nodes[0]!.address], ...options });
});
