import {
  isConnectionError,
  isIndeterminateWriteError,
  isProtocolError,
  isTimeoutError,
} from '../errors/index.js';

/**
 * True for errors that say the node itself is unwell (refused, reset, no
 * answer, a reply that breaks the protocol), as opposed to answers about the
 * data (a conflict, a bad value) or a status memcached chose to send.
 */
export function isNodeFailure(err: unknown): err is Error {
  return (
    isConnectionError(err) ||
    isTimeoutError(err) ||
    isIndeterminateWriteError(err) ||
    // A broken stream has no status; a status memcached sent is an answer.
    (isProtocolError(err) && err.status === undefined)
  );
}
