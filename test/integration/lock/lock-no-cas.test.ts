// memcached run with -C (CAS disabled) answers every CAS as 0: locks must be refused
// (tokens could not increase, extend/release would be unconditional). Found by review.
import { describe, expect, it } from 'vitest';
import { UnsupportedOperationError, type Client, type Protocol } from '../../../src/index.js';
import { useNodeClients } from '../../helpers/use-node-clients.js';

const local = useNodeClients({ args: ['-C'] });
const open = (protocol: Protocol): Client => local.open({ protocol });

describe.each(['meta', 'binary', 'text'] as const)('memcached -C over %s', (protocol) => {
  it('refuses locks with UnsupportedOperationError and leaves no lock item behind', async () => {
    const a = open(protocol);
    await expect(a.lock(`k-${protocol}`, { ttlMs: 1000 })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    // Given back: a second attempt is refused the same way, not timed out behind a leaked item.
    await expect(a.lock(`k-${protocol}`, { ttlMs: 1000, waitMs: 0 })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
  }, 15_000);
});
