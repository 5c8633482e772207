export { Client, createClient } from './client.js';
export {
  DEFAULT_CLIENT_OPTIONS,
  resolveClientOptions,
  type ClientOptions,
  type ResolvedClientOptions,
} from './options.js';
export type { ServerAddress, ResolvedServer } from './server-address.js';
export type * from './call-options.js';
