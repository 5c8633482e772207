import { ProtocolError } from '../errors/index.js';

/**
 * A reply that breaks the protocol's framing or does not answer the request
 * it is matched with. Unlike a status the server chose (a {@link ProtocolError}
 * for one request), it means the stream can no longer be trusted: the
 * connection that read it fails as a whole.
 * @internal
 */
export class MalformedReplyError extends ProtocolError {
  /** @param message - what was wrong, starting with a verb ("sent …", "answered …") */
  constructor(message: string) {
    super(message);
    // Callers see (and branch on) ProtocolError; this class is the connection's own marker.
    this.name = 'ProtocolError';
  }
}
