import { createClient, MemoryStore } from '../../../src/index.js';
import { describeClientContract } from '../../contract/client-contract.js';
import { describeUpdateContract } from '../../contract/update-contract.js';
import { describeComputeContract } from '../../contract/compute-contract.js';

describeClientContract('embedded store', () => {
  // One store per test, shared by the clients the test makes, as clients of one memcached share it.
  const store = new MemoryStore({ maxValueBytes: 1024 * 1024 });
  return (options = {}) => createClient({ memory: store, ...options });
});

describeUpdateContract('embedded store', () => {
  const store = new MemoryStore();
  return (options = {}) => createClient({ memory: store, ...options });
});

describeComputeContract('embedded store', () => {
  const store = new MemoryStore();
  return (options = {}) => createClient({ memory: store, ...options });
});
