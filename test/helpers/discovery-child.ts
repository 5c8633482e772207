/**
 * A child process for the discovery timer test: makes a client with
 * discovery from the endpoint given on the command line, waits
 * for its nodes, prints "ready" and then does nothing, never calling close().
 * No node is spoken to (connections open on first use), so it exits only if
 * the polling timer, and the endpoint's sockets, do not keep the event loop
 * alive.
 *
 * usage: discovery-child.ts <host:port of the config endpoint>
 */
import { createClient } from '../../src/index.js';

// The default interval (60 s): a timer that kept the process alive would hold it that long.
const client = createClient({ discovery: { endpoint: process.argv[2] ?? '' } });
await client.ready();
console.log('ready');
