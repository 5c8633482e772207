import type { Reply } from '../transport.js';

/** One item of a `VALUE` block. */
export interface TextValue {
  /** The key, as the server named it. */
  readonly key: string;
  /** The 32-bit client flags. */
  readonly flags: number;
  /** The CAS token (`gets`); undefined when the line carried none (`get`). */
  readonly cas: bigint | undefined;
  /** The value (a view into the socket chunk, or one copy when it spanned chunks). */
  readonly value: Buffer;
}

/** A one-word answer: storage, delete, touch and `flush_all` results. */
export interface TextWordReply extends Reply {
  readonly word: 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND' | 'DELETED' | 'TOUCHED' | 'OK';
}

/** The bare decimal number `incr`/`decr` answer with. */
export interface TextNumberReply extends Reply {
  readonly word: 'NUMBER';
  /** The counter's new value. */
  readonly value: bigint;
}

/** `VERSION <text>`. */
export interface TextVersionReply extends Reply {
  readonly word: 'VERSION';
  /** The text after the word. */
  readonly version: string;
}

/** `ERROR`, `CLIENT_ERROR <text>` or `SERVER_ERROR <text>`. */
export interface TextErrorReply extends Reply {
  readonly word: 'ERROR' | 'CLIENT_ERROR' | 'SERVER_ERROR';
  /** The free text after the word ('' when none); for messages only, except where text-status.ts says. */
  readonly message: string;
}

/**
 * Everything up to and including `END`: the `VALUE` blocks of a `get`/`gets`
 * (none on a miss) or the `STAT` lines of `stats`. One reply per command, so
 * a value skipped for its size (`oversize`) fails exactly that command and
 * the replies behind it stay matched to their requests.
 */
export interface TextEndReply extends Reply {
  readonly word: 'END';
  /** The `VALUE` blocks, in the order sent. */
  readonly values: readonly TextValue[];
  /** The `STAT` lines, as name and value, in the order sent. */
  readonly stats: ReadonlyArray<readonly [string, string]>;
}

/**
 * One reply of memcached's classic text protocol, as a command receives it,
 * told apart by `word` (`NUMBER` for the bare number of `incr`/`decr`).
 */
export type TextReply =
  TextWordReply | TextNumberReply | TextVersionReply | TextErrorReply | TextEndReply;
