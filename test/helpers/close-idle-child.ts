/**
 * A child process for the close() test: opens a client to the server given on
 * the command line, makes one round trip so the connection is open and idle,
 * prints "ready", waits for a line on stdin (the parent pauses the server
 * meanwhile), calls close() and prints "closed". It exits only if close() left
 * no handle keeping the event loop alive.
 *
 * usage: close-idle-child.ts <host:port>
 */
import { createClient } from '../../src/index.js';

const client = createClient({ servers: [process.argv[2] ?? ''], timeoutMs: 300 });
await client.set('close-idle', 1);
console.log('ready');
process.stdin.once('data', () => {
  process.stdin.pause();
  process.stdin.unref();
  void client.close().then(() => console.log('closed'));
});
