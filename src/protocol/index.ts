export { BinaryBackend } from './binary/binary-backend.js';
export type { ConnectionOptions } from './connection.js';
export { Credentials } from './credentials.js';
