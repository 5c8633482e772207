import { InvalidArgumentError } from '../errors/index.js';
import { MAX_U64 } from '../backend/index.js';

/**
 * The largest TTL memcas sends: a Unix time up to 2^31-1 (January 2038).
 * memcached stores a later one as already expired, silently, on every protocol.
 */
const MAX_TTL = 2 ** 31 - 1;

/**
 * Checks a TTL in seconds: a whole number from 0 (never expires) up; over 30
 * days it is a Unix time, as in memcached.
 * @throws TypeError naming the option
 */
export function checkTtl(ttl: unknown, name = 'ttlSeconds'): number {
  if (ttl === undefined) return 0;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) {
    throw new InvalidArgumentError(
      `${name} must be a whole number of seconds from 0 to ${MAX_TTL}, got ${String(ttl)}`,
    );
  }
  return ttl;
}

/**
 * Checks an unsigned 64-bit amount (number or bigint).
 * @throws TypeError naming the argument
 */
export function checkU64(value: unknown, name: string): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else
    throw new InvalidArgumentError(
      `${name} must be a whole number or bigint, got ${String(value)}`,
    );
  if (n < 0n || n > MAX_U64)
    throw new InvalidArgumentError(`${name} must be from 0 to 2^64-1, got ${n}`);
  return n;
}

/**
 * Checks an optional `signal` option: an `AbortSignal` (or anything shaped like one).
 * @throws {@link InvalidArgumentError} naming the call
 */
export function checkSignal(signal: unknown, op: string): void {
  if (signal === undefined) return;
  const s = signal as Partial<AbortSignal> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.aborted !== 'boolean' ||
    typeof s.addEventListener !== 'function' ||
    typeof s.removeEventListener !== 'function'
  ) {
    throw new InvalidArgumentError(`${op}: signal must be an AbortSignal, got ${String(signal)}`);
  }
}

/**
 * Refuses option names that are not in `known`, naming them and the nearest
 * known name: a typo (`server` for `servers`) must not silently mean "not set".
 * @throws {@link InvalidArgumentError}
 */
export function refuseUnknown(options: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = nearest(name, known);
    throw new InvalidArgumentError(
      `${where}: unknown option ${JSON.stringify(name)}${near ? `; did you mean ${JSON.stringify(near)}?` : ''}` +
        ` (known: ${known.join(', ')})`,
    );
  }
}

/** The known name closest to `name` (edit distance at most 3), if any. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      );
    }
    row = next;
  }
  return row[b.length] as number;
}
