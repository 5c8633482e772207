/**
 * A separate OS process for lock tests: takes a lock (waiting up to 10 s), prints
 * its fencing token as JSON, and exits holding it (no release).
 *
 * usage: lock-taker.ts <host:port,...> <key>
 */
import { createClient } from '../../src/index.js';
const [servers = '', key = 'k'] = process.argv.slice(2);
const client = createClient({ servers: servers.split(',') });
const lock = await client.lock(key, { ttlMs: 30_000, waitMs: 10_000 });
console.log(JSON.stringify({ token: lock.fencingToken.toString() }));
await client.close();
