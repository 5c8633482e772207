import { codeGuard, MemcasError, type MemcasErrorOptions } from './memcas-error.js';

/**
 * Why a poll of the configuration endpoint gave no usable node list:
 * `'unreachable'` (refused, reset, closed before answering, name not
 * resolved), `'timeout'` (no whole answer within the discovery `timeoutMs`),
 * `'malformed'` (an answer that is not ElastiCache's `config get cluster`
 * format, an unknown command, or a list with no nodes).
 */
export type DiscoveryFailure = 'unreachable' | 'timeout' | 'malformed';

/**
 * A poll of the discovery (configuration) endpoint failed. memcas keeps the
 * last good membership and asks again at the next interval, so this is
 * reported (the `onDiscoveryError` callback, the `memcas.discovery.polls`
 * metric), never thrown from an operation; `client.ready()` rejects with it
 * only while no membership has been learned yet.
 */
export class DiscoveryError extends MemcasError {
  /** The configuration endpoint, as `host:port`. */
  readonly endpoint: string;
  /** What went wrong. */
  readonly reason: DiscoveryFailure;

  /**
   * @param endpoint - `host:port`
   * @param reason - what went wrong
   * @param message - details, and what memcas does about it
   * @param options - the cause
   */
  constructor(
    endpoint: string,
    reason: DiscoveryFailure,
    message: string,
    options: MemcasErrorOptions = {},
  ) {
    super('DISCOVERY_FAILED', message, true, options);
    this.endpoint = endpoint;
    this.reason = reason;
  }
}

/**
 * True when `err` is a {@link DiscoveryError} (checked by code).
 * @function
 */
export const isDiscoveryError = codeGuard<DiscoveryError>('DISCOVERY_FAILED');
