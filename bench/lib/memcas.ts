import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Memcas from '../../src/index.js';

/**
 * The memcas the benchmarks measure: the built package (`npm run bench` builds
 * it first), as users run it, or the build in `MEMCAS_DIST` (another commit's,
 * for paired before/after runs). Running the TypeScript source through tsx would
 * measure tsx's own wrappers too (its keepNames helper alone cost 7.5% here).
 */
export async function loadMemcas(): Promise<typeof Memcas> {
  const given = process.env.MEMCAS_DIST;
  const dist =
    given === undefined
      ? new URL('../../dist/index.js', import.meta.url)
      : pathToFileURL(resolve(given, 'index.js'));
  if (existsSync(fileURLToPath(dist))) return (await import(dist.href)) as typeof Memcas;
  if (given !== undefined) throw new Error(`MEMCAS_DIST=${given} holds no index.js`);
  console.error('(dist/ not built: measuring the TypeScript source through tsx)');
  return import('../../src/index.js');
}
