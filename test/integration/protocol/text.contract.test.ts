import { createClient, type ClientOptions } from '../../../src/index.js';
import { describeClientContract } from '../../contract/client-contract.js';
import type { ClientFactory } from '../../contract/contract-clients.js';
import { describeUpdateContract } from '../../contract/update-contract.js';
import { describeComputeContract } from '../../contract/compute-contract.js';
import { flushNodes, useNutcracker } from '../../helpers/nutcracker.js';
import { useMemcached } from '../../helpers/use-memcached.js';

// -B ascii: these nodes refuse the binary protocol, so nothing slips through it.
const single = useMemcached(1, { args: ['-B', 'ascii'] });
const cluster = useMemcached(3, { args: ['-B', 'ascii'] });
const proxied = useNutcracker(3, { args: ['-B', 'ascii'] });

for (const [name, nodes] of [
  ['memcached over text', single],
  ['3-node memcached cluster over text', cluster],
] as const) {
  const make =
    (): ClientFactory =>
    (options: ClientOptions = {}) =>
      createClient({ servers: nodes.nodes.map((n) => n.address), protocol: 'text', ...options });
  describeClientContract(name, make, { text: true });
  describeUpdateContract(name, make, { text: true });
  describeComputeContract(name, make, { text: true });
}

// One server for memcas: the proxy, which spreads keys over 3 nodes by ketama.
const throughProxy =
  (): ClientFactory =>
  (options: ClientOptions = {}) => {
    const client = createClient({ servers: [proxied.proxy.address], protocol: 'text', ...options });
    // twemproxy does not pass flush_all on (it closes the connection): the
    // suites' flush before each test clears the nodes behind it directly.
    client.flush = () => flushNodes(proxied.nodes);
    return client;
  };
describeClientContract('nutcracker (twemproxy) over text', throughProxy, {
  text: true,
  proxy: true,
});
describeUpdateContract('nutcracker (twemproxy) over text', throughProxy, {
  text: true,
  proxy: true,
});
describeComputeContract('nutcracker (twemproxy) over text', throughProxy, {
  text: true,
  proxy: true,
});
