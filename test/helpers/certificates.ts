import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a server certificate it signed, as files and PEM text. */
export interface TestPki {
  /** The CA certificate (PEM). */
  readonly ca: string;
  /** Another CA that signed nothing here (PEM), for "wrong CA" tests. */
  readonly otherCa: string;
  /** The server certificate chain file. */
  readonly certFile: string;
  /** The server key file. */
  readonly keyFile: string;
  /**
   * A server certificate from the same CA naming only the DNS name
   * `node.example` (no IP), as ElastiCache's node certificates name only
   * host names; its key is {@link TestPki.keyFile}.
   */
  readonly dnsOnlyCertFile: string;
}

/** Makes a throw-away PKI with openssl: a CA, a server certificate for 127.0.0.1/localhost, one for the name node.example only, and an unrelated CA. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'memcas-pki-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=memcas test ${ca}`,
      '-keyout',
      f(`${ca}.key`),
      '-out',
      f(`${ca}.pem`),
    );
  }
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.pem'),
  );
  writeFileSync(f('dns-only.cnf'), 'subjectAltName=DNS:node.example\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('dns-only.cnf'),
    '-out',
    f('dns-only.pem'),
  );
  return {
    ca: readFileSync(f('ca.pem'), 'utf8'),
    otherCa: readFileSync(f('other-ca.pem'), 'utf8'),
    certFile: f('server.pem'),
    keyFile: f('server.key'),
    dnsOnlyCertFile: f('dns-only.pem'),
  };
}
