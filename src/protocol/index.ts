export { MemcachedBackend } from './memcached-backend.js';
export type { ConnectionOptions } from './connection.js';
export { Credentials } from './credentials.js';
