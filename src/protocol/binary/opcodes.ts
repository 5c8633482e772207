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
