import { NonNumericValueError, ProtocolError, ValueTooLargeError } from '../../errors/index.js';
import { Status } from './opcodes.js';

/** What a status means for the request it answers. */
export type StatusMeaning = 'ok' | 'not_found' | 'exists';

/**
 * The one place binary-protocol statuses become results or errors, by code.
 * OK, KEY_NOT_FOUND, KEY_EXISTS and ITEM_NOT_STORED are results the caller
 * branches on; every other status is an error.
 */
export function statusMeaning(
  status: number,
  address: string,
  op: string,
  key: string,
): StatusMeaning {
  switch (status) {
    case Status.OK:
      return 'ok';
    case Status.KEY_NOT_FOUND:
    case Status.ITEM_NOT_STORED:
      return 'not_found';
    case Status.KEY_EXISTS:
      return 'exists';
    case Status.VALUE_TOO_LARGE:
      throw new ValueTooLargeError(key, undefined, undefined, `memcached ${address}`);
    case Status.NON_NUMERIC:
      throw new NonNumericValueError(key, `memcached ${address}`);
    default: {
      const what = key === '' ? op : `${op} ${JSON.stringify(key)}`;
      throw new ProtocolError(
        `memcached ${address} answered ${what} with status 0x${status.toString(16).padStart(4, '0')}` +
          ` (${STATUS_NAMES[status] ?? 'unknown status'})`,
        status,
      );
    }
  }
}

const STATUS_NAMES: Record<number, string> = {
  [Status.INVALID_ARGUMENTS]: 'invalid arguments',
  [Status.AUTH_ERROR]: 'authentication error',
  [Status.UNKNOWN_COMMAND]: 'unknown command',
  [Status.OUT_OF_MEMORY]: 'out of memory',
  [Status.NOT_SUPPORTED]: 'not supported',
  [Status.INTERNAL_ERROR]: 'internal error',
  [Status.BUSY]: 'busy',
  [Status.TEMPORARY_FAILURE]: 'temporary failure',
};
