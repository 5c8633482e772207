import { createClient } from '../../../src/index.js';
import { describeClientContract } from '../../contract/client-contract.js';
import { describeUpdateContract } from '../../contract/update-contract.js';
import { describeComputeContract } from '../../contract/compute-contract.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(3);
const servers = (): string[] => cluster.nodes.map((n) => n.address);

describeClientContract(
  '3-node memcached cluster',
  () =>
    (options = {}) =>
      createClient({ servers: servers(), ...options }),
);
describeUpdateContract(
  '3-node memcached cluster',
  () =>
    (options = {}) =>
      createClient({ servers: servers(), ...options }),
);
describeComputeContract(
  '3-node memcached cluster',
  () =>
    (options = {}) =>
      createClient({ servers: servers(), ...options }),
);
