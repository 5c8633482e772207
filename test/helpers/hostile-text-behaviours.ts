import { onlyFor, valueLine } from './hostile-line-behaviours.js';
import type { LineBehaviour } from './hostile-line-server.js';
import { readsValue, type LineRequest } from './line-requests.js';

// Misbehaviours only the classic text protocol can have: its replies carry no
// opaque, so a reply is known for its request's only by its place in the
// stream and by what it says (the key of a VALUE, the shape of a number).

/** The key {@link valueForAnotherKey} answers with. */
export const ANOTHER_KEY = 'not-asked-for';

/** A hit for a key the request did not ask for, for requests that read values. */
export const valueForAnotherKey: LineBehaviour = onlyFor(readsValue, (x) =>
  x.send(`VALUE ${ANOTHER_KEY} 0 1 42\r\n1\r\nEND\r\n`),
);

/** A hit without its CAS token (what `get` answers) to `gets`. */
export const valueWithoutCas: LineBehaviour = onlyFor(readsValue, (x) =>
  x.send(`VALUE ${x.request.key} 0 1\r\n1\r\nEND\r\n`),
);

/** A `STORED` line between a hit's data block and its `END`. */
export const storedAmidValues: LineBehaviour = onlyFor(readsValue, (x) =>
  x.send(`${valueLine(x, '1')}1\r\nSTORED\r\nEND\r\n`),
);

/** 2^64: one more than any counter memcached holds. */
export const PAST_U64 = '18446744073709551616';

const counters = (r: LineRequest): boolean => r.command === 'incr' || r.command === 'decr';

/** `incr`/`decr` answered with {@link PAST_U64}; everything else correctly. */
export const counterPast64Bits: LineBehaviour = onlyFor(counters, (x) => x.send(`${PAST_U64}\r\n`));

/** `incr`/`decr` answered with a number followed by letters; everything else correctly. */
export const counterWithLetters: LineBehaviour = onlyFor(counters, (x) => x.send('12abc\r\n'));
