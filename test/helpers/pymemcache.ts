import { spawnSync } from 'node:child_process';

/** The Python that sees Debian's python3-pymemcache (not a pyenv one first on PATH). */
export const PYTHON = '/usr/bin/python3';

/**
 * Makes sure pymemcache (the seed's client) can be imported by {@link PYTHON},
 * installing Debian's `python3-pymemcache` with apt-get when it is missing and
 * this runs as root; otherwise throws saying how to install it.
 */
export function ensurePymemcache(): void {
  const importable = (): boolean =>
    spawnSync(PYTHON, ['-c', 'import pymemcache'], { stdio: 'ignore' }).status === 0;
  if (importable()) return;
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'python3-pymemcache'], { stdio: 'ignore', env });
    if (importable()) return;
  }
  throw new Error(
    'pymemcache is missing: install it with `sudo apt-get install -y python3-pymemcache` (Debian/Ubuntu)',
  );
}
