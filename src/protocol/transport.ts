import type { Socket } from 'node:net';

/** What every protocol's parsed reply carries for the connection core. */
export interface Reply {
  /**
   * Set instead of a value when the reply's value was larger than this
   * client reads (`maxValueBytes`): its size. The value is skipped, not buffered.
   */
  readonly oversize?: number;
}

/** Cuts a byte stream into replies; throws {@link MalformedReplyError} for bytes that are not one. */
export interface ReplyReader<R extends Reply> {
  /** Feeds a chunk; calls `onReply` for every complete reply, in order. */
  push(chunk: Buffer, onReply: (r: R) => void): void;
}

/** One request waiting for its answer. */
export interface Pending<R extends Reply> {
  /** The encoded request; the transport writes its opaque into it. */
  readonly request: Buffer;
  /** Operation name, for error messages. */
  readonly op: string;
  /** Key, for error messages ('' when none). */
  readonly key: string;
  /** True when the request changes state, so a lost answer leaves its outcome unknown. */
  readonly write: boolean;
  /** True for quiet requests, which get no answer on a miss. */
  readonly quiet: boolean;
  /**
   * Called with each answer (or `undefined` for a quiet request that got none);
   * returns true when the request is complete. Throws
   * {@link MalformedReplyError} for an answer that cannot be what it claims,
   * which fails the whole connection.
   */
  readonly onResponse: (r: R | undefined) => boolean;
  /** Called once if the request fails. */
  readonly onError: (err: Error) => void;
  /** Where the transport writes the opaque in `request`, for protocols that carry it as text (meta). */
  readonly opaqueAt?: number;
  /** Set by the connection: the opaque written into the request. */
  opaque?: number;
  /** Set by the connection once written. */
  sent?: boolean;
  /** Set by the connection once written: when the answer is due (performance.now() ms). */
  deadline?: number;
  /**
   * For a write that stores an item: its size as memcached counts it against
   * its item size limit (`itemSize` in src/backend/item-size.ts). Such a
   * write is never sent to a node whose limit it exceeds (see
   * `Transport.itemLimit`).
   */
  readonly itemSize?: number | undefined;
}

/** A request a connection sends when it opens, before any other, and the check of its reply. */
export interface Opening<R extends Reply> {
  /** The bytes to send. */
  readonly request: Buffer;
  /**
   * Throws (an {@link AuthenticationError}, a {@link ProtocolError}) when the
   * reply says the connection is unusable; returns `'more'` while the request
   * has more replies to come (a multi-line answer such as `stats`).
   */
  check(r: R): 'more' | void;
}

/** How the connection core hears from the transport while it opens the socket. */
export interface TransportEvents {
  /** A chunk from the socket. */
  data(chunk: Buffer): void;
  /** The socket failed. */
  error(err: Error): void;
  /** The socket is connected (TLS, SASL done): send the opening requests. */
  ready(): void;
}

/**
 * What one protocol adds to the connection core (src/protocol/connection.ts),
 * for one connection: how to open the socket, how replies are framed and
 * matched, and what to send first. The core does the rest: the queue, batched
 * writes, the timer, the connect deadline and failure settlement.
 */
export interface Transport<R extends Reply> {
  /** `binary`, `meta` or `text`, for messages. */
  readonly protocol: string;
  /** This connection's reply reader. */
  readonly reader: ReplyReader<R>;
  /** Requests sent first once the socket is ready (a protocol check, ASCII authentication). */
  readonly opening: ReadonlyArray<Opening<R>>;
  /**
   * The node's item size limit (memcached's `-I`, in the terms of
   * `itemSize`), when the opening learned it; once known, the connection
   * refuses a write over it with a `ValueTooLargeError` instead of
   * sending it. Over meta this is what keeps an item: memcached unlinks the
   * old item when any `ms` fails to allocate, a CAS compare and `add` included.
   */
  readonly itemLimit?: number | undefined;
  /** Opens the socket; returns it at once (it connects in the background). */
  open(events: TransportEvents): Socket;
  /** Replies that arrive before `ready()` (binary SASL). Throws for any it does not expect. */
  beforeReady?(r: R): void;
  /** Writes `opaque` into a request (a protocol without opaques writes nothing). */
  stamp(p: Pending<R>, opaque: number): void;
  /**
   * The opaque a reply carries, or undefined for one matched by order
   * (after any quiet requests before it, which got no answer).
   */
  opaqueOf(r: R): number | undefined;
  /** Checks that `r` can answer `p` (binary: the opcode); throws {@link MalformedReplyError} if not. */
  match?(p: Pending<R>, r: R): void;
}
