/**
 * A bad argument or option: wrong type, out of range, or unknown. It is a
 * `TypeError` (so `instanceof TypeError` keeps working) with a stable `code`,
 * as Node's own `ERR_INVALID_ARG_TYPE` errors have. Thrown before any I/O:
 * nothing was sent.
 */
export class InvalidArgumentError extends TypeError {
  /** Always `'INVALID_ARGUMENT'`. */
  readonly code = 'INVALID_ARGUMENT' as const;
  /** Never: the same call fails the same way. */
  readonly retryable = false;

  /** @param message - which argument or option, what was given, and what is accepted */
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InvalidArgumentError';
  }
}

/** True when `err` is an {@link InvalidArgumentError} (checked by code). */
export function isInvalidArgumentError(err: unknown): err is InvalidArgumentError {
  return err instanceof Error && (err as { code?: unknown }).code === 'INVALID_ARGUMENT';
}
