import type { Backend, BackendObserver } from '../backend/index.js';
import { BinaryBackend } from './binary/binary-backend.js';
import type { ConnectionOptions } from './connection.js';
import { MetaBackend } from './meta/meta-backend.js';
import { TextBackend } from './text/text-backend.js';

/**
 * The memcached protocols memcas speaks: `'meta'` (memcached ≥ 1.6's
 * recommended protocol), `'binary'` (deprecated by memcached, but the only
 * one with SASL), and `'text'` (the classic commands, for proxies such as
 * twemproxy and mcrouter).
 */
export type Protocol = 'meta' | 'binary' | 'text';

/** Every protocol name, for option checks. */
export const PROTOCOLS: readonly Protocol[] = ['meta', 'binary', 'text'];

/** A factory of one protocol's node backend. */
type BackendFactory = (
  options: ConnectionOptions,
  authRetryMs: number,
  observer: BackendObserver | undefined,
) => Backend;

const FACTORIES: Readonly<Record<Protocol, BackendFactory>> = {
  binary: (o, retry, observer) => new BinaryBackend(o, retry, observer),
  meta: (o, retry, observer) => new MetaBackend(o, retry, observer),
  text: (o, retry, observer) => new TextBackend(o, retry, observer),
};

/** The backend for one node in `protocol`. */
export function nodeBackend(
  protocol: Protocol,
  options: ConnectionOptions,
  authRetryMs: number,
  observer: BackendObserver | undefined,
): Backend {
  return FACTORIES[protocol](options, authRetryMs, observer);
}
