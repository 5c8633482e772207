import { connect, type Socket } from 'node:net';

/** A hit: the value (decoded as JSON, as memcas's default codec does) and its CAS. */
export interface RawHit {
  readonly value: unknown;
  readonly cas: bigint;
}

type Waiter = (word: number, value: Buffer | undefined, cas: bigint) => void;

/**
 * The leanest pipelined meta-protocol client we could write that does the
 * same work per request as memcas, the twin of {@link RawSocketClient}:
 * requests of a tick in one socket write; the same command lines as memcas
 * (`mg <key> v c f O…`, `ms <key> <n> T0 F0 C<cas> MR c O…`); every reply's
 * word and opaque checked against the request it answers (a mismatch
 * destroys the socket); values decoded and encoded as JSON. What it leaves
 * out is what makes a client usable: timeouts, failure settlement, error
 * messages, reconnection, key checks. The ceiling for meta on this machine,
 * not a usable client.
 */
export class RawMetaClient {
  private readonly waiting: Waiter[] = [];
  private readonly opaques: number[] = [];
  private head = 0;
  private pending: Buffer[] = [];
  private rest: Buffer | undefined;
  private nextOpaque = 1;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** Connects to a node. */
  static open(host: string, port: number): Promise<RawMetaClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new RawMetaClient(s)));
      s.once('error', reject);
    });
  }

  /** `mg <key> v c f`: the value and CAS, or undefined on a miss. */
  get(key: string): Promise<RawHit | undefined> {
    const opaque = this.opaque();
    return new Promise((resolve, reject) => {
      this.send(Buffer.from(`mg ${key} v c f O${opaque}\r\n`, 'latin1'), opaque, (word, v, cas) => {
        if (word === VA && v !== undefined) {
          resolve({ value: JSON.parse(v.toString('utf8')) as unknown, cas });
        } else if (word === EN) resolve(undefined);
        else reject(new Error(`mg answered ${word}`));
      });
    });
  }

  /** `ms <key> <n> MR C<cas>`: replace if the CAS still matches. */
  cas(key: string, value: unknown, cas: bigint): Promise<'stored' | 'exists' | 'not_found'> {
    const bytes = Buffer.from(JSON.stringify(value), 'utf8');
    const opaque = this.opaque();
    const head = `ms ${key} ${bytes.length} T0 F0 C${cas} MR c O${opaque}\r\n`;
    const request = Buffer.allocUnsafe(head.length + bytes.length + 2);
    request.write(head, 0, 'latin1');
    bytes.copy(request, head.length);
    request[request.length - 2] = 0x0d;
    request[request.length - 1] = 0x0a;
    return new Promise((resolve, reject) => {
      this.send(request, opaque, (word) => {
        if (word === HD) resolve('stored');
        else if (word === EX) resolve('exists');
        else if (word === NF || word === NS) resolve('not_found');
        else reject(new Error(`ms answered ${word}`));
      });
    });
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }

  private opaque(): number {
    const o = this.nextOpaque;
    this.nextOpaque = o === 0x7fffffff ? 1 : o + 1;
    return o;
  }

  private send(request: Buffer, opaque: number, cb: Waiter): void {
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push(request);
    this.waiting.push(cb);
    this.opaques.push(opaque);
  }

  private flush(): void {
    const bufs = this.pending;
    this.pending = [];
    this.socket.write(bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs));
  }

  private onData(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let off = 0;
    for (;;) {
      const eol = buf.indexOf(0x0a, off);
      if (eol < 0) break;
      const word = ((buf[off] as number) << 8) | (buf[off + 1] as number);
      // The flags after the word: the VA size first, then c, f and O.
      let size = -1;
      let cas = 0n;
      let opaque = -1;
      let i = off + 2;
      const end = eol - 1;
      while (i < end) {
        i++; // the space
        const name = buf[i] as number;
        let n = 0;
        const from = size < 0 && word === VA ? i : i + 1;
        let j = from;
        for (; j < end && buf[j] !== 0x20; j++) n = n * 10 + (buf[j] as number) - 0x30;
        if (from === i) size = n;
        else if (name === 0x63) cas = BigInt(n);
        else if (name === 0x4f) opaque = n;
        i = j;
      }
      let value: Buffer | undefined;
      let next = eol + 1;
      if (word === VA) {
        if (size < 0 || size > MAX_VALUE) throw this.broken(`a value of ${size} bytes`);
        if (next + size + 2 > buf.length) break;
        value = buf.subarray(next, next + size);
        if (buf[next + size] !== 0x0d) throw this.broken('a value not followed by CRLF');
        next += size + 2;
      }
      const cb = this.waiting[this.head];
      // memcas matches a reply without an opaque (EN on some versions) in order too.
      if (cb === undefined || (opaque >= 0 && this.opaques[this.head] !== opaque)) {
        throw this.broken(`a reply with opaque ${opaque} out of order`);
      }
      this.waiting[this.head] = NOOP;
      this.head++;
      if (this.head > 4096) {
        this.waiting.splice(0, this.head);
        this.opaques.splice(0, this.head);
        this.head = 0;
      }
      cb(word, value, cas);
      off = next;
    }
    if (off < buf.length) this.rest = buf.subarray(off);
  }

  private broken(what: string): Error {
    this.socket.destroy();
    return new Error(`raw meta socket: ${what}`);
  }
}

const code = (w: string): number => (w.charCodeAt(0) << 8) | w.charCodeAt(1);
const VA = code('VA');
const EN = code('EN');
const HD = code('HD');
const EX = code('EX');
const NF = code('NF');
const NS = code('NS');
const NOOP: Waiter = () => {};
/** memcas's default maxValueBytes, checked as memcas checks it. */
const MAX_VALUE = 1024 * 1024;
