import { createClient } from '../../../src/index.js';
import { describeClientContract } from '../../contract/client-contract.js';
import { describeUpdateContract } from '../../contract/update-contract.js';
import { describeComputeContract } from '../../contract/compute-contract.js';
import { useMemcached } from '../../helpers/use-memcached.js';

// -B ascii: these nodes refuse the binary protocol, so nothing slips through it.
const single = useMemcached(1, { args: ['-B', 'ascii'] });
const cluster = useMemcached(3, { args: ['-B', 'ascii'] });

for (const [name, nodes] of [
  ['memcached over meta', single],
  ['3-node memcached cluster over meta', cluster],
] as const) {
  const make =
    () =>
    (options = {}) =>
      createClient({ servers: nodes.nodes.map((n) => n.address), protocol: 'meta', ...options });
  describeClientContract(name, make);
  describeUpdateContract(name, make);
  describeComputeContract(name, make);
}
