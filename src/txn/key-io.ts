import type { Backend } from '../backend/index.js';
import { ownerSinceRead, tokenOf, type CasToken, type Topology } from '../cluster/index.js';
import { decodeValue, encodeValue, type Codec } from '../codec/index.js';
import type { ConflictKind } from '../errors/index.js';
import { afterMicrotasks } from '../clock/index.js';

/** The state of a key as read at the start of an attempt. */
export interface Snapshot<T> {
  /** The decoded value, or undefined when the key is missing. */
  readonly value: T | undefined;
  /** Whether the key was present. */
  readonly present: boolean;
  /** Where and when it was read (its CAS number is 0n when missing); the write must match it. */
  readonly token: CasToken;
}

/** The answer to an attempt's write. */
export type WriteOutcome =
  { readonly kind: 'stored'; readonly cas: CasToken | undefined } | { readonly kind: ConflictKind };

/**
 * Where an {@link UpdateIO} answers: the batch running the attempt. Methods
 * on the batch, not callbacks made per request or promises of the io's own:
 * those cost an uncontended `update()` a promise, a closure and a microtask
 * per read and per write.
 */
export interface UpdateSink<T> {
  /** The read's answer. */
  readAnswered(snapshot: Snapshot<T>): void;
  /** The write's answer. */
  writeAnswered(outcome: WriteOutcome): void;
  /** The read or the write (whichever is outstanding) failed. */
  failed(error: unknown): void;
}

/**
 * The operations an `update()` needs on one key, bound to its codec and TTL.
 * Keeping them behind this interface lets the loop be tested without a
 * client and run the same on every backend. A read or a write answers its
 * sink exactly once, later; it may instead throw at once (then it answers
 * nothing).
 */
export interface UpdateIO<T> {
  /** The key as the caller wrote it (for errors). */
  readonly key: string;
  /** Reads the key with its CAS token; answers `sink.readAnswered` or `sink.failed`. */
  read(sink: UpdateSink<T>): void;
  /** Encodes and size-checks a value; throws CodecError or ValueTooLargeError. */
  encode(value: T): Buffer;
  /**
   * Writes `bytes` (or deletes, when `bytes` is undefined) only if the key is as
   * in `snapshot`: add when it was missing, cas or CAS-delete otherwise, on the
   * node it was read from. Answers `sink.writeAnswered` or `sink.failed`.
   */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined, sink: UpdateSink<T>): void;
}

/**
 * The {@link UpdateIO} of one key on a topology: reads with `get` (which
 * carries the CAS token), writes with `add` when the key was missing, `cas`
 * when present, and a CAS `delete` for removal, only on the node it was read
 * from and only if the key has not moved since (see {@link ownerSinceRead}).
 * A class, not a literal of closures: one is made per `update()` call.
 */
export class KeyUpdateIO<T> implements UpdateIO<T> {
  /**
   * @param topology - routes the key
   * @param key - the key as the caller wrote it
   * @param fullKey - the key with the client's prefix
   * @param codec - encodes and decodes values
   * @param ttl - the TTL of written values (seconds)
   * @param sized - checks the item size of encoded bytes (throws ValueTooLargeError)
   */
  constructor(
    private readonly topology: Topology,
    readonly key: string,
    protected readonly fullKey: string,
    protected readonly codec: Codec<T>,
    private readonly ttl: number,
    protected readonly sized: (key: string, fullKey: string, bytes: Buffer) => Buffer,
  ) {}

  /** Encodes and size-checks a value; throws CodecError or ValueTooLargeError. */
  encode(value: T): Buffer {
    return this.sized(this.key, this.fullKey, encodeValue(this.codec, this.key, value));
  }

  /** The value of an item read (throws CodecError). */
  protected decode(value: Buffer, flags: number): T {
    return decodeValue(this.codec, this.key, value, flags);
  }

  /** See {@link UpdateIO.read}. */
  read(sink: UpdateSink<T>): void {
    const topology = this.topology;
    const epoch = topology.epoch;
    const origin = topology.route(this.fullKey, false, 'update');
    origin.get(this.fullKey).then(
      (item) => {
        let snapshot: Snapshot<T>;
        try {
          const token = tokenOf(item ?? { cas: 0n }, this.fullKey, origin, epoch, topology);
          snapshot =
            item === undefined
              ? { value: undefined, present: false, token }
              : { value: this.decode(item.value, item.flags), present: true, token };
        } catch (err) {
          return sink.failed(err);
        }
        sink.readAnswered(snapshot);
      },
      (err: unknown) => sink.failed(err),
    );
  }

  /** See {@link UpdateIO.write}. */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined, sink: UpdateSink<T>): void {
    const { topology, fullKey } = this;
    const backend: Backend | undefined = ownerSinceRead(topology, snapshot.token, 'update');
    // A CAS token means nothing on another node: read again from the new owner.
    if (backend === undefined) return answerLater(sink, MOVED);
    const cas = snapshot.present ? snapshot.token.value : 0n;
    if (bytes === undefined) {
      if (!snapshot.present) return answerLater(sink, REMOVED_NOTHING);
      backend.delete(fullKey, cas, snapshot.token.session).then(
        (r) =>
          sink.writeAnswered(
            r === 'deleted' ? REMOVED_NOTHING : r === 'exists' ? CAS_CONFLICT : NOT_FOUND,
          ),
        (err: unknown) => sink.failed(err),
      );
      return;
    }
    // REPLACE with the token, not SET: a SET that fails to allocate unlinks the old item.
    const mode = snapshot.present ? 'replace' : 'add';
    backend
      .store({
        mode,
        key: fullKey,
        value: bytes,
        flags: this.codec.flags,
        ttl: this.ttl,
        cas,
        // Only on the connection it was read on: a restarted memcached numbers CAS from 1 again.
        session: snapshot.present ? snapshot.token.session : undefined,
      })
      .then(
        (r) => {
          let outcome: WriteOutcome;
          if (r.outcome === 'stored') {
            outcome = {
              kind: 'stored',
              cas: tokenOf(r, fullKey, backend, snapshot.token.epoch, topology),
            };
          } else if (mode === 'add') {
            outcome = EXISTS;
          } else {
            outcome = r.outcome === 'exists' ? CAS_CONFLICT : NOT_FOUND;
          }
          sink.writeAnswered(outcome);
        },
        (err: unknown) => sink.failed(err),
      );
  }
}

/** Answers a write decided without I/O after the current call returns, as every answer comes. */
function answerLater<T>(sink: UpdateSink<T>, outcome: WriteOutcome): void {
  afterMicrotasks(() => sink.writeAnswered(outcome));
}

const MOVED: WriteOutcome = Object.freeze({ kind: 'moved' });
const EXISTS: WriteOutcome = Object.freeze({ kind: 'exists' });
const CAS_CONFLICT: WriteOutcome = Object.freeze({ kind: 'cas' });
const NOT_FOUND: WriteOutcome = Object.freeze({ kind: 'not_found' });
/** A removal done (or nothing to remove): stored, with no token. */
const REMOVED_NOTHING: WriteOutcome = Object.freeze({ kind: 'stored', cas: undefined });
