import { codeGuard, MemcasError } from './memcas-error.js';

/** The client was closed; no further calls are accepted. */
export class ClientClosedError extends MemcasError {
  /** @param what - the call that was refused @param detail - what happened to it, when more than refused */
  constructor(what: string, detail?: string) {
    super(
      'CLIENT_CLOSED',
      `${what}: the memcas client is closed${detail ? `; ${detail}` : ''}`,
      false,
    );
  }
}

/**
 * True when `err` is a {@link ClientClosedError} (checked by code).
 * @function
 */
export const isClientClosedError = codeGuard<ClientClosedError>('CLIENT_CLOSED');
