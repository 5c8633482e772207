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
