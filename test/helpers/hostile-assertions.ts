import { afterAll, beforeAll, expect, type ExpectStatic } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  IndeterminateWriteError,
  NonNumericValueError,
  ProtocolError,
  TimeoutError,
  UnsupportedOperationError,
  ValueTooLargeError,
} from '../../src/index.js';

// What the hostile-server suites over the line protocols share: waiting for a
// call without trusting it to settle, describing what it settled with so a
// failed match shows what came instead, and catching anything that escapes a
// socket callback.

/** How a call ended, and after how long. */
export type Settled =
  | { readonly status: 'resolved'; readonly value: unknown; readonly ms: number }
  | { readonly status: 'rejected'; readonly error: unknown; readonly ms: number }
  | { readonly status: 'hung'; readonly ms: number };

/** Waits for a call, but gives up (and says so) after `giveUpMs`. */
export async function settle(promise: Promise<unknown>, giveUpMs: number): Promise<Settled> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>(
    (resolve) => (timer = setTimeout(() => resolve('hung'), giveUpMs)),
  );
  try {
    const r = await Promise.race([
      promise.then(
        (value) => ({ status: 'resolved' as const, value }),
        (error: unknown) => ({ status: 'rejected' as const, error }),
      ),
      hung,
    ]);
    const ms = performance.now() - started;
    return r === 'hung' ? { status: 'hung', ms } : { ...r, ms };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's class, code and message, cause included. */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { thrown: err };
  const { name, message } = err;
  const code = (err as { code?: unknown }).code;
  return err.cause === undefined
    ? { name, code, message }
    : { name, code, message, cause: describeError(err.cause) };
}

/** A settled call as a plain object: its status, and for a rejection the error described. */
export function describeSettled(s: Settled): Record<string, unknown> {
  return s.status === 'rejected'
    ? { status: s.status, ...describeError(s.error) }
    : { status: s.status };
}

/** The error classes the suites expect, each with its stable code. */
export type ErrorClass =
  | typeof ProtocolError
  | typeof IndeterminateWriteError
  | typeof TimeoutError
  | typeof ConnectionError
  | typeof AuthenticationError
  | typeof ValueTooLargeError
  | typeof NonNumericValueError
  | typeof UnsupportedOperationError;

const CODES = new Map<ErrorClass, string>([
  [ProtocolError, 'PROTOCOL_ERROR'],
  [IndeterminateWriteError, 'INDETERMINATE_WRITE'],
  [TimeoutError, 'TIMEOUT'],
  [ConnectionError, 'CONNECTION_FAILED'],
  [AuthenticationError, 'AUTH_FAILED'],
  [ValueTooLargeError, 'VALUE_TOO_LARGE'],
  [NonNumericValueError, 'NOT_NUMERIC'],
  [UnsupportedOperationError, 'UNSUPPORTED'],
]);

/** Checks (softly) that the call rejected with `cls` and its code; returns the error. */
export function expectRejection(expect: ExpectStatic, s: Settled, cls: ErrorClass): unknown {
  expect
    .soft(describeSettled(s))
    .toMatchObject({ status: 'rejected', name: cls.name, code: CODES.get(cls) });
  const error = s.status === 'rejected' ? s.error : undefined;
  expect.soft(error).toBeInstanceOf(cls);
  return error;
}

/**
 * Collects uncaught exceptions and unhandled rejections for the whole file
 * (a throw inside a socket handler surfaces there) and requires none at the
 * end. Returns the list, so a test can check its own share.
 */
export function collectUncaught(): readonly unknown[] {
  const uncaught: unknown[] = [];
  const collect = (err: unknown): void => void uncaught.push(err);
  beforeAll(() => {
    process.on('uncaughtException', collect);
    process.on('unhandledRejection', collect);
  });
  afterAll(() => {
    process.off('uncaughtException', collect);
    process.off('unhandledRejection', collect);
    expect(uncaught.map(describeError)).toEqual([]);
  });
  return uncaught;
}
