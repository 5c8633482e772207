import type { Topology } from '../cluster/index.js';
import {
  decodeValue,
  encodeValue,
  FENCED_FLAGS,
  unwrapFenceOf,
  wrapFenced,
  type Codec,
} from '../codec/index.js';
import { InvalidArgumentError, StaleFenceError } from '../errors/index.js';
import { KeyUpdateIO, type Snapshot, type UpdateSink } from '../txn/index.js';
import type { Lock } from './lock.js';

/**
 * The {@link UpdateIO} of a fenced `update()` (and `set`) of one key: the
 * same read-modify-write as an ordinary update, with the value stored in a
 * fenced envelope (codec/fence-envelope.ts) carrying the lock's fencing
 * token. The read refuses, with {@link StaleFenceError}, an item written with
 * a larger token; the write is the ordinary CAS write (`add` when missing),
 * so the token and the value change together, or not at all. The lock itself
 * is checked before the read and before the write (released, lost, moved).
 * @internal
 */
export class FencedUpdateIO<T> extends KeyUpdateIO<T> {
  private readonly fence: bigint;

  /**
   * @param topology - routes the key
   * @param key - the key as the caller wrote it
   * @param fullKey - the key with the client's prefix
   * @param valueCodec - encodes and decodes the value inside the envelope
   * @param ttl - the TTL of written values (seconds)
   * @param lock - the lock whose fencing token guards the writes
   * @param sized - checks the item size of encoded bytes (throws ValueTooLargeError)
   */
  constructor(
    topology: Topology,
    key: string,
    fullKey: string,
    private readonly valueCodec: Codec<T>,
    ttl: number,
    private readonly lock: Lock,
    sized: (key: string, fullKey: string, bytes: Buffer) => Buffer,
  ) {
    // The envelope's flags are what is stored; the envelope itself is made in encode().
    super(topology, key, fullKey, { ...valueCodec, flags: FENCED_FLAGS }, ttl, sized);
    this.fence = lock.fencingToken;
  }

  /** The value wrapped in an envelope with the lock's fencing token, size-checked. */
  override encode(value: T): Buffer {
    const { valueCodec, key } = this;
    return this.sized(
      key,
      this.fullKey,
      wrapFenced(this.fence, valueCodec.flags, encodeValue(valueCodec, key, value)),
    );
  }

  /** Unwraps an envelope; refuses one a newer fence wrote. A plain item is read as it is. */
  protected override decode(value: Buffer, flags: number): T {
    const { valueCodec, key } = this;
    if (flags !== FENCED_FLAGS) return decodeValue(valueCodec, key, value, flags);
    const stored = unwrapFenceOf(key, value);
    if (stored.token > this.fence) {
      throw new StaleFenceError(key, 'superseded', this.fence, stored.token);
    }
    return decodeValue(valueCodec, key, stored.value, stored.flags);
  }

  /** Checks the lock, then reads. */
  override read(sink: UpdateSink<T>): void {
    this.lock.checkFence(this.key);
    super.read(sink);
  }

  /** Checks the lock, then writes; a removal is refused. */
  override write(snapshot: Snapshot<T>, bytes: Buffer | undefined, sink: UpdateSink<T>): void {
    this.lock.checkFence(this.key);
    if (bytes === undefined && snapshot.present) {
      // Deleting the item would delete its token too: a stale holder could then write it again.
      throw new InvalidArgumentError(
        `a fenced update of ${JSON.stringify(this.key)} returned remove, which was refused: ` +
          'deleting the item would also delete the fencing token kept with it, and a stale ' +
          "holder could then write it again. Write a value that means 'gone' instead",
      );
    }
    super.write(snapshot, bytes, sink);
  }
}
