import { codeGuard, MemcasError } from './memcas-error.js';

/** memcached answered with a status memcas does not expect for that request. */
export class ProtocolError extends MemcasError {
  /** The binary-protocol status code, when there was one. */
  readonly status: number | undefined;
  /** @param message - details @param status - the status code */
  constructor(message: string, status?: number) {
    super('PROTOCOL_ERROR', message, false);
    this.status = status;
  }
}

/**
 * True when `err` is a {@link ProtocolError} (checked by code).
 * @function
 */
export const isProtocolError = codeGuard<ProtocolError>('PROTOCOL_ERROR');
