import { AuthenticationError } from '../errors/index.js';
import type { ConnectionOptions } from './connection.js';
import type { Opening, Reply } from './transport.js';

/** The key of the login `set`: memcached with `-Y` ignores it. */
const LOGIN_KEY = 'memcas-auth';

/**
 * memcached's ASCII authentication (`-Y`), for the meta and text protocols:
 * a `set` of any key whose data is `<user> <password>`; `STORED` means
 * logged in. No opening at all without credentials.
 *
 * The `set` expires at once (exptime -1, which memcached -Y ignores): a
 * server without `-Y`, or a proxy that passes the `set` on to one, stores it
 * as an ordinary item, and it must not leave the password there for any
 * client to read. The password is sent, never shown: the request bytes are
 * built here and never appear in a message.
 */
export function asciiLogin<R extends Reply & { readonly word: string }>(
  options: ConnectionOptions,
): Array<Opening<R>> {
  const credentials = options.credentials;
  if (credentials === undefined) return [];
  const secret = Buffer.from(`${credentials.username} ${credentials.password}`, 'utf8');
  const request = Buffer.concat([
    Buffer.from(`set ${LOGIN_KEY} 0 -1 ${secret.length}\r\n`, 'latin1'),
    secret,
    Buffer.from('\r\n', 'latin1'),
  ]);
  const address = `${options.host}:${options.port}`;
  return [
    {
      request,
      check: (r) => {
        if (r.word === 'STORED') return;
        throw new AuthenticationError(
          address,
          `memcached ${address} refused the credentials (username/password) for ASCII ` +
            'authentication; check them, and that the server runs with -Y',
        );
      },
    },
  ];
}
