// Every meta request memcas sends carries an 8-hex-digit opaque at the end of
// its command line (`O00000000`), written by the transport when queued, so
// replies can be matched and checked. Keys are already checked (no spaces or
// control characters, at most 250 bytes).

/** A meta request and where its opaque goes. */
export interface MetaRequest {
  /** The bytes. */
  readonly request: Buffer;
  /** Offset of the 8 opaque digits (undefined for commands that carry none). */
  readonly opaqueAt: number | undefined;
}

const OPAQUE = ' O00000000\r\n';

function line(command: string): MetaRequest {
  const request = commandLine(command, 0);
  return { request, opaqueAt: request.length - 10 };
}

/**
 * `command`, the opaque's place and CRLF, in a buffer `room` bytes longer
 * (for a data block). Written char by char when the command is ASCII, as
 * keys almost always are: cheaper than encoding a string as UTF-8 and
 * joining buffers, per request.
 */
function commandLine(command: string, room: number): Buffer {
  const n = command.length;
  const request = Buffer.allocUnsafe(n + OPAQUE.length + room);
  for (let i = 0; i < n; i++) {
    const c = command.charCodeAt(i);
    if (c > 0x7f) {
      const utf8 = Buffer.from(command + OPAQUE, 'utf8');
      if (room === 0) return utf8;
      const roomy = Buffer.allocUnsafe(utf8.length + room);
      utf8.copy(roomy, 0);
      return roomy;
    }
    request[i] = c;
  }
  for (let i = 0; i < OPAQUE.length; i++) request[n + i] = OPAQUE.charCodeAt(i);
  return request;
}

/** `mg`: the value with its CAS and client flags (`q`: no answer on a miss). */
export function metaGet(key: string, quiet = false): MetaRequest {
  return line(`mg ${key} v c f${quiet ? ' q' : ''}`);
}

/**
 * `mg` with lease flags: the value, CAS, client flags and TTL left (`t`);
 * `N`, when `vivifySeconds` is above 0, makes a miss an empty placeholder
 * living that long and hands this client the win (`W`; later readers see
 * `Z`); `R`, when `recacheSeconds` is above 0, hands out one early win when
 * fewer seconds than that are left. A stale item's win goes to any `mg`.
 */
export function metaLeaseGet(
  key: string,
  vivifySeconds: number,
  recacheSeconds: number,
): MetaRequest {
  const vivify = vivifySeconds > 0 ? ` N${vivifySeconds}` : '';
  return line(`mg ${key} v c f t${vivify}${recacheSeconds > 0 ? ` R${recacheSeconds}` : ''}`);
}

/** `md` with `I`: marks the item stale and re-arms its win instead of deleting it; `C` when `cas` is not 0n. */
export function metaInvalidate(key: string, cas: bigint): MetaRequest {
  return line(`md ${key} I${cas === 0n ? '' : ` C${cas}`}`);
}

/** `mg` with `T`: sets a new TTL, returns no value. */
export function metaTouch(key: string, ttl: number): MetaRequest {
  return line(`mg ${key} T${ttl}`);
}

/** `ms` in a mode (S set, E add, R replace), with `C` when `cas` is not 0n; returns the new CAS. */
export function metaSet(
  key: string,
  value: Buffer,
  flags: number,
  ttl: number,
  cas: bigint,
  mode: 'S' | 'E' | 'R',
): MetaRequest {
  const request = commandLine(
    `ms ${key} ${value.length} T${ttl} F${flags >>> 0}${cas === 0n ? '' : ` C${cas}`} M${mode} c`,
    value.length + 2,
  );
  const headLength = request.length - value.length - 2;
  value.copy(request, headLength);
  request[request.length - 2] = 0x0d;
  request[request.length - 1] = 0x0a;
  return { request, opaqueAt: headLength - 10 };
}

/** `md`, with `C` when `cas` is not 0n. */
export function metaDelete(key: string, cas: bigint): MetaRequest {
  return line(`md ${key}${cas === 0n ? '' : ` C${cas}`}`);
}

/** `ma`: incr or decr by `delta`; with `initial`, a missing key is created with it (`N`, `J`) in the same command. */
export function metaArithmetic(
  key: string,
  decrement: boolean,
  delta: bigint,
  initial: bigint | undefined,
  ttl: number,
): MetaRequest {
  const vivify = initial === undefined ? '' : ` N${ttl} J${initial}`;
  return line(`ma ${key} M${decrement ? 'D' : 'I'} D${delta}${vivify} v`);
}

/** A command without key or opaque (`mn`, `version`, `stats`, `flush_all`), answered in order. */
export function metaBare(command: string): MetaRequest {
  return { request: Buffer.from(`${command}\r\n`, 'latin1'), opaqueAt: undefined };
}
