import { MalformedReplyError } from './malformed-reply-error.js';
import type { Pending, Reply } from './transport.js';

/** How a {@link Call} ends: the backend's bookkeeping (observer, refused credentials), then the caller. */
export interface CallOwner {
  /** The operation `op` (started with `token`) ended; `error` is undefined when it was answered. */
  finished(op: string, token: unknown, error: Error | undefined): void;
}

/**
 * An operation of one request, as one object: the {@link Pending} entry the
 * connection holds, and the settlement of the operation's promise. Made once
 * per request in place of the closures an operation used to carry (its
 * pending entry's callbacks, a settle object and its two callbacks, the
 * promise's executor), so a request allocates this, the promise and its
 * reply's interpretation, nothing more.
 */
export class Call<R extends Reply, T> implements Pending<R> {
  readonly quiet = false;
  opaque: number | undefined = undefined;
  sent: boolean | undefined = undefined;
  deadline: number | undefined = undefined;
  /** See {@link Pending.itemSize}: set by the backend for a write that may be large. */
  itemSize: number | undefined = undefined;
  private resolve: (value: T) => void = noop;
  private reject: (error: Error) => void = noop;

  /**
   * @param owner - told how the operation ended, before the caller
   * @param token - the observer's token for the operation
   * @param session - the connection's session, handed to `interpret`
   * @param interpret - turns the answer into the result, or throws: a {@link MalformedReplyError} fails the connection, any other error this operation only
   */
  constructor(
    private readonly owner: CallOwner,
    private readonly token: unknown,
    readonly op: string,
    readonly key: string,
    readonly write: boolean,
    readonly request: Buffer,
    readonly opaqueAt: number | undefined,
    private readonly session: number,
    private readonly interpret: (r: R, session: number) => T,
  ) {}

  /** The operation's promise (once per call: it takes the call's resolve and reject). */
  promise(): Promise<T> {
    const p = new Promise<T>(capture as Executor<T>);
    this.resolve = captured.resolve as (value: T) => void;
    this.reject = captured.reject;
    return p;
  }

  onResponse(r: R | undefined): boolean {
    let value: T;
    try {
      value = this.interpret(r as R, this.session);
    } catch (err) {
      if (err instanceof MalformedReplyError) throw err;
      this.onError(err as Error);
      return true;
    }
    this.owner.finished(this.op, this.token, undefined);
    this.resolve(value);
    return true;
  }

  onError(err: Error): void {
    this.owner.finished(this.op, this.token, err);
    this.reject(err);
  }
}

function noop(): void {}

type Executor<T> = (resolve: (value: T) => void, reject: (error: Error) => void) => void;

// One executor for every call's promise: it hands resolve and reject over
// here, and Call.promise() takes them at once (the executor runs synchronously).
const captured: { resolve: (value: unknown) => void; reject: (error: Error) => void } = {
  resolve: noop,
  reject: noop,
};
function capture(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}
