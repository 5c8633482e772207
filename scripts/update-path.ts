/**
 * Lists the files of the built package whose code runs for one warm,
 * uncontended `update()` (default options: meta) on a real memcached node (V8's precise
 * coverage: a file counts when a named function in it runs). This is the
 * count docs/architecture.md gives for "the path of one update()".
 *
 * usage: npm run build && npx tsx scripts/update-path.ts [path/to/dist/index.js]
 */
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Memcas from '../src/index.js';
import { startMemcached, stopAllMemcached } from '../test/helpers/memcached-node.js';

const entry = pathToFileURL(resolve(process.argv[2] ?? 'dist/index.js')).href;
const { createClient } = (await import(entry)) as typeof Memcas;
const [node] = await startMemcached(1);
const client = createClient({ servers: [node!.address] });
try {
  await client.set('path', 0);
  await client.update<number>('path', (n) => (n ?? 0) + 1); // connects and loads everything
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  await client.update<number>('path', (n) => (n ?? 0) + 1);
  const { result } = await session.post('Profiler.takePreciseCoverage');
  await session.post('Profiler.stopPreciseCoverage');
  session.disconnect();
  const files = result
    .filter((script) => script.url.includes('/dist/'))
    .filter((script) =>
      script.functions.some((f) => f.functionName !== '' && f.ranges[0]!.count > 0),
    )
    .map((script) => script.url.slice(script.url.lastIndexOf('/dist/') + '/dist/'.length))
    .sort();
  console.log(files.join('\n'));
  console.log(`${files.length} files run for one update()`);
} finally {
  await client.close();
  await stopAllMemcached();
}
