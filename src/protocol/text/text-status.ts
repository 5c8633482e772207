import {
  AuthenticationError,
  NonNumericValueError,
  ProtocolError,
  ValueTooLargeError,
} from '../../errors/index.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import type { TextErrorReply, TextReply } from './text-reply.js';

/**
 * The binary protocol's status of the same meaning, carried by the
 * {@link ProtocolError} of an error line: the status says the server chose
 * to answer (src/cluster/node-failure.ts takes a ProtocolError without one for
 * a broken stream, and marks the node down), and callers branch on the same
 * numbers whatever the protocol.
 */
const STATUS_INVALID_ARGUMENTS = 0x0004;
const STATUS_UNKNOWN_COMMAND = 0x0081;
const STATUS_OUT_OF_MEMORY = 0x0082;
const STATUS_INTERNAL_ERROR = 0x0084;

/** What a command may be answered with, besides an error line. */
type Word = TextReply['word'];

/**
 * The one place text-protocol replies become results or errors, by their
 * word: a reply whose word is one of `accepted` is returned, narrowed; an
 * error line becomes the matching error (see {@link errorFor}); anything else
 * breaks the protocol. Replies are matched to commands by order, so an
 * answer that cannot be this command's means the stream is out of step:
 * {@link MalformedReplyError}, which fails the connection.
 */
export function expectReply<W extends Word>(
  r: TextReply,
  accepted: readonly W[],
  address: string,
  op: string,
  key: string,
): TextReply & { readonly word: W } {
  if ((accepted as readonly Word[]).includes(r.word)) return r as TextReply & { readonly word: W };
  const what = key === '' ? op : `${op} ${JSON.stringify(key)}`;
  if (r.word === 'ERROR' || r.word === 'CLIENT_ERROR' || r.word === 'SERVER_ERROR') {
    throw errorFor(r, address, op, key, what);
  }
  throw new MalformedReplyError(`answered ${what} with ${r.word}`);
}

/**
 * The error for an error line. The text protocol has no status codes: the
 * word says who is at fault and the rest is free text, which memcas does not
 * branch on, except for the few fixed texts of memcached's own
 * (proto_text.c) that stand where the binary protocol has a status callers
 * handle differently:
 * - `SERVER_ERROR object too large for cache`: binary's VALUE_TOO_LARGE, a
 *   {@link ValueTooLargeError};
 * - `SERVER_ERROR out of memory …`: binary's OUT_OF_MEMORY, a
 *   {@link ProtocolError} with that status;
 * - a `CLIENT_ERROR` to `incr`/`decr`: memcached has one for a checked key
 *   and a 64-bit delta, `cannot increment or decrement non-numeric value`,
 *   so it is told by the word and the command, not the text.
 * The refusals of ASCII authentication (see {@link isUnauthenticated}) never
 * get here: they fail the whole connection in the transport.
 */
function errorFor(
  r: TextErrorReply,
  address: string,
  op: string,
  key: string,
  what: string,
): Error {
  const where = `memcached ${address}`;
  const said = r.message === '' ? r.word : `${r.word} ${r.message}`;
  switch (r.word) {
    case 'ERROR':
      return new ProtocolError(
        `${where} answered ${what} with ERROR: it does not know the command (a proxy that does ` +
          'not pass it on?)',
        STATUS_UNKNOWN_COMMAND,
      );
    case 'CLIENT_ERROR':
      if (op === 'incr' || op === 'decr') return new NonNumericValueError(key, where);
      return new ProtocolError(`${where} answered ${what} with ${said}`, STATUS_INVALID_ARGUMENTS);
    case 'SERVER_ERROR':
      if (r.message.startsWith('object too large for cache')) {
        return new ValueTooLargeError(key, undefined, undefined, where);
      }
      return new ProtocolError(
        `${where} answered ${what} with ${said}`,
        r.message.startsWith('out of memory') ? STATUS_OUT_OF_MEMORY : STATUS_INTERNAL_ERROR,
      );
  }
}

/**
 * The three replies of memcached's ASCII authentication (`-Y`,
 * try_read_command_asciiauth), fixed texts, and the only sign of it the text
 * protocol has: a connection not logged in gets `unauthenticated` for any
 * command but `set`; a `set` is taken for a login, its data for
 * `<user> <password>` (`bad authentication token format` when it is not two
 * words, `authentication failure` when they are wrong).
 */
const AUTH_REFUSALS = new Set([
  'unauthenticated',
  'bad authentication token format',
  'authentication failure',
]);

/**
 * True for a reply that says the connection is not logged in (see
 * {@link AUTH_REFUSALS}). memcached drops what was sent behind the command it
 * answers so, so no answer follows for the requests behind it: the whole
 * connection fails with an {@link AuthenticationError}.
 */
export function isUnauthenticated(r: TextReply): boolean {
  return r.word === 'CLIENT_ERROR' && AUTH_REFUSALS.has(r.message);
}

/** The error for a connection that memcached refuses until it logs in. */
export function unauthenticatedError(
  address: string,
  hasCredentials: boolean,
): AuthenticationError {
  return new AuthenticationError(
    address,
    hasCredentials
      ? `memcached ${address} refused the credentials (username/password) for ASCII ` +
          'authentication; check them, and that the server runs with -Y'
      : `memcached ${address} requires authentication (memcached -Y); give username and password`,
  );
}
