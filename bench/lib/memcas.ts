import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Memcas from '../../src/index.js';

/**
 * The memcas the benchmarks measure: the built package (`npm run bench` builds
 * it first), as users run it. Running the TypeScript source through tsx would
 * measure tsx's own wrappers too (its keepNames helper alone cost 7.5% here).
 */
export async function loadMemcas(): Promise<typeof Memcas> {
  const dist = new URL('../../dist/index.js', import.meta.url);
  if (existsSync(fileURLToPath(dist))) return (await import(dist.href)) as typeof Memcas;
  console.error('(dist/ not built: measuring the TypeScript source through tsx)');
  return import('../../src/index.js');
}
