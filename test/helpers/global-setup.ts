import { ensureMemcached, ensureTool } from './memcached-binary.js';

/** Runs once before the test files: makes sure memcached is there (installing it when it can). */
export default function setup(): void {
  try {
    const bin = ensureMemcached((line) => console.log(`[memcas tests] ${line}`));
    process.env.MEMCACHED_BIN = bin;
    console.log(`[memcas tests] using ${bin}`);
    const log = (line: string): void => console.log(`[memcas tests] ${line}`);
    ensureTool('saslpasswd2', ['sasl2-bin', 'libsasl2-modules'], log);
    ensureTool('openssl', ['openssl'], log);
    ensureTool('nutcracker', ['nutcracker'], log);
  } catch (err) {
    console.error(`\n[memcas tests] ${(err as Error).message}\n`);
    throw err;
  }
}
