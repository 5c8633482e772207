import { createClient, type ClientOptions, type Protocol } from '../../../src/index.js';
import type { ClientFactory } from '../../contract/contract-clients.js';
import { describeLockContract } from '../../contract/lock-contract.js';
import { flushNodes, useNutcracker } from '../../helpers/nutcracker.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(3);
const proxied = useNutcracker(1);

for (const protocol of ['binary', 'meta', 'text'] as const satisfies readonly Protocol[]) {
  describeLockContract(
    `3-node memcached cluster over ${protocol}`,
    (): ClientFactory =>
      (options: ClientOptions = {}) =>
        createClient({ servers: cluster.nodes.map((n) => n.address), protocol, ...options }),
  );
}

describeLockContract(
  'nutcracker (twemproxy) over text',
  (): ClientFactory =>
    (options: ClientOptions = {}) => {
      const client = createClient({
        servers: [proxied.proxy.address],
        protocol: 'text',
        ...options,
      });
      client.flush = () => flushNodes(proxied.nodes);
      return client;
    },
  { text: true, proxy: true },
);
