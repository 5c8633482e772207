export { nodeBackend, PROTOCOLS, type Protocol } from './protocols.js';
export type { ConnectionOptions } from './connection.js';
export { Credentials } from './credentials.js';
