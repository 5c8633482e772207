import { NonNumericValueError, ProtocolError, ValueTooLargeError } from '../../errors/index.js';

/** Binary-protocol opcodes memcas sends. */
export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  FLUSH: 0x08,
  NOOP: 0x0a,
  VERSION: 0x0b,
  GETQ: 0x09,
  STAT: 0x10,
  TOUCH: 0x1c,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
} as const;

/** Binary-protocol response statuses. */
export const Status = {
  OK: 0x0000,
  KEY_NOT_FOUND: 0x0001,
  KEY_EXISTS: 0x0002,
  VALUE_TOO_LARGE: 0x0003,
  INVALID_ARGUMENTS: 0x0004,
  ITEM_NOT_STORED: 0x0005,
  NON_NUMERIC: 0x0006,
  AUTH_ERROR: 0x0020,
  AUTH_CONTINUE: 0x0021,
  UNKNOWN_COMMAND: 0x0081,
  OUT_OF_MEMORY: 0x0082,
  NOT_SUPPORTED: 0x0083,
  INTERNAL_ERROR: 0x0084,
  BUSY: 0x0085,
  TEMPORARY_FAILURE: 0x0086,
} as const;

/** Size of a binary-protocol header. */
export const HEADER_BYTES = 24;

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
