import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/** Why an `update()` attempt did not write. */
export type ConflictKind =
  /** The CAS token was stale: someone wrote in between. */
  | 'cas'
  /** The key was missing when read, but existed when `add` ran. */
  | 'exists'
  /** The key existed when read, but was gone when `cas` ran. */
  | 'not_found'
  /** The key now lives on another node than the one it was read from. */
  | 'moved'
  /** The write's answer was lost and `fn` is idempotent: read again. */
  | 'indeterminate';

/**
 * One `update()` attempt lost a race. `update()` retries these; you see one
 * only as the `cause` of a {@link RetryExhaustedError}.
 */
export class CasConflictError extends MemcasError {
  /** The key. */
  readonly key: string;
  /** What kind of conflict. */
  readonly kind: ConflictKind;
  /** The attempt that conflicted (1 for the first). */
  readonly attempt: number;
  /** @param key - the key @param kind - what happened @param attempt - the attempt @param options - the cause */
  constructor(key: string, kind: ConflictKind, attempt: number, options: MemcasErrorOptions = {}) {
    super(
      'CAS_CONFLICT',
      `update of ${JSON.stringify(key)} attempt ${attempt} lost a race (${kind})`,
      true,
      options,
    );
    this.key = key;
    this.kind = kind;
    this.attempt = attempt;
  }
}

/**
 * True when `err` is a {@link CasConflictError} (checked by code).
 * @function
 */
export const isCasConflictError = codeGuard<CasConflictError>('CAS_CONFLICT');
