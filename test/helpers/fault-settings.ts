/** A duration in ms: exactly this long, or uniformly drawn from `[min, max]`. */
export type FaultMs = number | readonly [min: number, max: number];

/**
 * Which faults a FaultProxy injects, and how often. Each probability
 * is drawn from the proxy's seeded random source at its own point: per chunk
 * read from the client (`cutRequest`, `dropReply`, `partition`), per chunk
 * read from the node (`cutReply`, `delayReply`) or per accepted connection
 * (`resetConnection`). The proxy sees bytes only, so a chunk may hold part of
 * a request or several pipelined ones, whatever the protocol.
 */
export interface FaultSettings {
  /**
   * Forward a random prefix of the chunk (possibly nothing), then close both
   * sockets: the node runs whichever requests arrived whole, the client gets
   * no answer.
   * @defaultValue 0
   */
  readonly cutRequest?: number;
  /**
   * Forward a random prefix of the chunk (possibly nothing), then close both sockets.
   * @defaultValue 0
   */
  readonly cutReply?: number;
  /**
   * Forward the chunk, swallow everything the node sends on this connection
   * from then on, and close it after `dropReplyCloseMs`.
   * @defaultValue 0
   */
  readonly dropReply?: number;
  /**
   * Hold the chunk for `delayReplyMs`; later chunks of the connection wait
   * behind it, so the byte order is kept.
   * @defaultValue 0
   */
  readonly delayReply?: number;
  /**
   * Partition the whole node for `partitionMs` (see FaultProxy.partition).
   * @defaultValue 0
   */
  readonly partition?: number;
  /**
   * Close an accepted connection at once, before anything is forwarded.
   * @defaultValue 0
   */
  readonly resetConnection?: number;
  /**
   * How long `delayReply` holds a chunk.
   * @defaultValue 250
   */
  readonly delayReplyMs?: FaultMs;
  /**
   * How long a random `partition` lasts.
   * @defaultValue 500
   */
  readonly partitionMs?: FaultMs;
  /**
   * How long a connection whose replies are dropped stays open, hanging.
   * @defaultValue 1000
   */
  readonly dropReplyCloseMs?: FaultMs;
}

/** The settings of a proxy that forwards everything untouched. */
export const NO_FAULTS: Readonly<Required<FaultSettings>> = Object.freeze({
  cutRequest: 0,
  cutReply: 0,
  dropReply: 0,
  delayReply: 0,
  partition: 0,
  resetConnection: 0,
  delayReplyMs: 250,
  partitionMs: 500,
  dropReplyCloseMs: 1000,
});

/** What a fault proxy has done so far. */
export interface FaultStats {
  connections: number;
  requestChunks: number;
  replyChunks: number;
  resets: number;
  cutRequests: number;
  cutReplies: number;
  droppedReplies: number;
  delayedReplies: number;
  partitions: number;
}

const PROBABILITIES = [
  'cutRequest',
  'cutReply',
  'dropReply',
  'delayReply',
  'partition',
  'resetConnection',
] as const;

/**
 * Fills in the defaults of fault settings and checks them.
 * @throws TypeError naming a probability outside [0, 1]
 */
export function resolveFaults(faults: FaultSettings): Readonly<Required<FaultSettings>> {
  const merged = { ...NO_FAULTS, ...faults };
  for (const name of PROBABILITIES) {
    const p = merged[name];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new TypeError(`${name} must be a probability in [0, 1], got ${String(p)}`);
    }
  }
  return Object.freeze(merged);
}

/**
 * A small, fast seeded random source (mulberry32) returning [0, 1).
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // the same sequence on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fault decisions drawn from one seeded random source. */
export class Dice {
  /** The source itself, for anything else to draw. */
  readonly random: () => number;

  /** @param seed - fixes the sequence of draws */
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** True with probability `p` (no draw when `p` is 0, so turning a fault off keeps the others' sequence). */
  roll(p: number): boolean {
    return p > 0 && this.random() < p;
  }

  /** A duration from a {@link FaultMs}. */
  ms(d: FaultMs): number {
    return typeof d === 'number' ? d : d[0] + this.random() * (d[1] - d[0]);
  }
}
