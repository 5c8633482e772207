import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const INSTALL_HELP =
  'memcas needs memcached >= 1.6 to run its tests and demo cluster. Install it:\n' +
  '  Debian/Ubuntu: sudo apt-get install -y memcached\n' +
  '  macOS:         brew install memcached\n' +
  'or point MEMCACHED_BIN at a memcached binary.';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The memcached binary from MEMCACHED_BIN or PATH (plus the usual system folders), if any. */
export function findMemcached(): string | undefined {
  const fromEnv = process.env.MEMCACHED_BIN;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/bin',
    '/usr/local/bin',
    '/opt/homebrew/bin',
  ];
  for (const dir of dirs) {
    if (dir && executable(join(dir, 'memcached'))) return join(dir, 'memcached');
  }
  return undefined;
}

/** True when this process may install Debian packages itself. */
function canAptInstall(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && findOnPath('apt-get');
}

function findOnPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && executable(join(d, name)));
}

/**
 * Finds a program the SASL/TLS tests need (saslpasswd2, openssl); installs its
 * Debian packages when it is missing and apt-get can be used as root.
 */
export function ensureTool(
  tool: string,
  packages: readonly string[],
  log: (line: string) => void = (l) => console.error(l),
): string {
  const find = (): string | undefined =>
    [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin']
      .map((d) => join(d, tool))
      .find(executable);
  const found = find();
  if (found) return found;
  if (!canAptInstall()) {
    throw new Error(
      `${tool} was not found. Install it: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  log(`${tool} was not found; installing ${packages.join(' ')} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  const after = find();
  if (!after) throw new Error(`installing ${packages.join(' ')} did not provide ${tool}`);
  return after;
}

/**
 * Finds memcached; when it is missing and apt-get can be used as root, installs
 * it. Otherwise throws an error that says how to install it.
 */
export function ensureMemcached(log: (line: string) => void = (l) => console.error(l)): string {
  const found = findMemcached();
  if (found) return found;
  if (process.env.MEMCACHED_BIN) {
    throw new Error(
      `MEMCACHED_BIN=${process.env.MEMCACHED_BIN} is not an executable file.\n${INSTALL_HELP}`,
    );
  }
  if (!canAptInstall()) throw new Error(`memcached was not found on PATH.\n${INSTALL_HELP}`);
  log('memcached was not found; installing it with apt-get (Debian package memcached)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'memcached'], {
    stdio: 'inherit',
    env,
  });
  const after = findMemcached();
  if (install.status !== 0 || !after) {
    throw new Error(`apt-get install memcached failed (exit ${install.status}).\n${INSTALL_HELP}`);
  }
  log(`installed ${after}`);
  return after;
}
