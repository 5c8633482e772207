import type { CasToken } from '../cluster/index.js';

const REMOVE: unique symbol = Symbol.for('memcas.remove');
const ABORT: unique symbol = Symbol.for('memcas.abort');

/** The type of the {@link remove} marker. */
export interface Remove {
  /** Brand. */
  readonly [REMOVE]: true;
}

/** What {@link abort} returns: stop without writing, handing back `result`. */
export interface Abort<R> {
  /** Brand. */
  readonly [ABORT]: true;
  /** Handed back in the update result. */
  readonly result: R;
}

/**
 * Return this from an `update()` function to delete the key (with its CAS
 * token, so a concurrent change makes the delete retry instead of winning).
 *
 * @example
 * ```ts
 * await store.update<Cart>('cart:7', (cart) => (cart && cart.items.length === 0 ? remove : cart));
 * ```
 */
export const remove: Remove = Object.freeze({ [REMOVE]: true as const });

/**
 * Return `abort(result)` from an `update()` function to stop without writing;
 * `result` is handed back in the update result.
 *
 * @example
 * ```ts
 * const r = await store.update<number>('stock:42', (n) => (n && n > 0 ? n - 1 : abort('sold out')));
 * if (r.outcome === 'aborted') console.log(r.result); // 'sold out'
 * ```
 */
export function abort<R = undefined>(result?: R): Abort<R> {
  return Object.freeze({ [ABORT]: true as const, result: result as R });
}

/** True for the {@link remove} marker. @internal */
export function isRemove(value: unknown): value is Remove {
  return typeof value === 'object' && value !== null && (value as Partial<Remove>)[REMOVE] === true;
}

/** True for an {@link abort} marker. @internal */
export function isAbort(value: unknown): value is Abort<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<Abort<unknown>>)[ABORT] === true
  );
}

/** What an `update()` did. */
export type UpdateOutcome = 'created' | 'updated' | 'removed' | 'aborted';

/** `fn` returned a value and it was written: `created` (via add) or `updated` (via cas). */
export interface UpdateWritten<T> {
  /** `'created'` (the key was missing) or `'updated'`. */
  readonly outcome: 'created' | 'updated';
  /** The value stored after this call's `fn`. */
  readonly value: T;
  /**
   * The CAS token of what the write stored: with combined calls after yours,
   * the token of the last one's value; undefined only if one of them removed the key.
   */
  readonly cas: CasToken | undefined;
  /** Attempts this call made (1 when the first write won). */
  readonly attempts: number;
}

/** `fn` returned {@link remove} and the key was deleted (or was already missing). */
export interface UpdateRemoved {
  /** `'removed'`. */
  readonly outcome: 'removed';
  /** Always undefined: the key is gone. */
  readonly value: undefined;
  /** Always undefined: the key is gone. */
  readonly cas: undefined;
  /** Attempts this call made. */
  readonly attempts: number;
}

/** `fn` returned `abort(result)`: nothing was written. */
export interface UpdateAborted<T, R> {
  /** `'aborted'`. */
  readonly outcome: 'aborted';
  /** The value `fn` saw (undefined when the key was missing). */
  readonly value: T | undefined;
  /** Its CAS token, when the key was present and this call saw it as read. */
  readonly cas: CasToken | undefined;
  /** Attempts this call made. */
  readonly attempts: number;
  /** What was given to `abort()`. */
  readonly result: R;
}

/**
 * The result of an `update()`, a union on `outcome`: after
 * `if (r.outcome === 'aborted')`, `r.result` has the type given to `abort()`;
 * after `'created'`/`'updated'`, `r.value` is the value type.
 */
export type UpdateResult<T, R = unknown> = UpdateWritten<T> | UpdateRemoved | UpdateAborted<T, R>;

/** What `fn` receives besides the current value. */
export interface UpdateContext {
  /** The key (without prefix). */
  readonly key: string;
  /** This attempt's number: 1, 2, … */
  readonly attempt: number;
  /** Aborted when the caller's signal aborts. */
  readonly signal: AbortSignal;
}
