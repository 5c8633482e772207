import { createClient, MemoryStore } from '../../../src/index.js';
import { describeLockContract } from '../../contract/lock-contract.js';

describeLockContract('embedded store', () => {
  // One store per test, shared by the clients the test makes, as clients of one memcached share it.
  const store = new MemoryStore();
  return (options = {}) => createClient({ memory: store, ...options });
});
