import { isConnectionError, isIndeterminateWriteError, isTimeoutError } from '../errors/index.js';

/**
 * True for errors that say the node itself is unwell (refused, reset, no
 * answer), as opposed to answers about the data (a conflict, a bad value).
 */
export function isNodeFailure(err: unknown): err is Error {
  return isConnectionError(err) || isTimeoutError(err) || isIndeterminateWriteError(err);
}
