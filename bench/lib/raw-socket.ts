import { connect, type Socket } from 'node:net';
import type { RawHit } from './raw-meta-socket.js';

type Waiter = (status: number, value: Buffer | undefined, cas: bigint) => void;

/**
 * The leanest pipelined binary-protocol client we could write that does the
 * same work per request as memcas: requests of a tick in one socket write;
 * GET and REPLACE with a CAS (as memcas's `cas()` sends); every answer's
 * opaque checked against the request it answers (a mismatch destroys the
 * socket); values decoded and encoded as JSON. It is the ceiling any Node
 * client can reach on this machine, not a usable client (no timeouts,
 * failure settlement, reconnection or key checks).
 */
export class RawSocketClient {
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
  static open(host: string, port: number): Promise<RawSocketClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new RawSocketClient(s)));
      s.once('error', reject);
    });
  }

  /** GET: the value and CAS, or undefined on a miss. */
  get(key: string): Promise<RawHit | undefined> {
    return new Promise((resolve, reject) => {
      this.send(0x00, key, undefined, 0n, (status, value, cas) => {
        if (status === 0 && value !== undefined) {
          resolve({ value: JSON.parse(value.toString('utf8')) as unknown, cas });
        } else if (status === 1) resolve(undefined);
        else reject(new Error(`GET answered status ${status}`));
      });
    });
  }

  /** REPLACE with a CAS: stored only if the item still has it. */
  cas(key: string, value: unknown, cas: bigint): Promise<'stored' | 'exists' | 'not_found'> {
    const bytes = Buffer.from(JSON.stringify(value), 'utf8');
    return new Promise((resolve, reject) => {
      this.send(0x03, key, bytes, cas, (status) => {
        if (status === 0) resolve('stored');
        else if (status === 2) resolve('exists');
        else if (status === 1) resolve('not_found');
        else reject(new Error(`REPLACE answered status ${status}`));
      });
    });
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }

  private send(
    opcode: number,
    key: string,
    value: Buffer | undefined,
    cas: bigint,
    cb: Waiter,
  ): void {
    const extras = value ? 8 : 0;
    const vlen = value?.length ?? 0;
    const buf = Buffer.alloc(24 + extras + key.length + vlen);
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque === 0xffffffff ? 1 : opaque + 1;
    buf[0] = 0x80;
    buf[1] = opcode;
    buf.writeUInt16BE(key.length, 2);
    buf[4] = extras;
    buf.writeUInt32BE(extras + key.length + vlen, 8);
    buf.writeUInt32BE(opaque, 12);
    buf.writeBigUInt64BE(cas, 16);
    buf.write(key, 24 + extras, 'latin1');
    value?.copy(buf, 24 + extras + key.length);
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push(buf);
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
    while (buf.length - off >= 24) {
      const body = buf.readUInt32BE(off + 8);
      if (buf[off] !== 0x81 || body > MAX_VALUE) throw this.broken('a malformed header');
      const total = 24 + body;
      if (buf.length - off < total) break;
      const cb = this.waiting[this.head];
      if (cb === undefined || this.opaques[this.head] !== buf.readUInt32BE(off + 12)) {
        throw this.broken('an answer out of order');
      }
      this.waiting[this.head] = NOOP;
      this.head++;
      if (this.head > 4096) {
        this.waiting.splice(0, this.head);
        this.opaques.splice(0, this.head);
        this.head = 0;
      }
      const valueAt = off + 24 + (buf[off + 4] as number) + buf.readUInt16BE(off + 2);
      cb(
        buf.readUInt16BE(off + 6),
        body > 0 ? buf.subarray(valueAt, off + total) : undefined,
        buf.readBigUInt64BE(off + 16),
      );
      off += total;
    }
    if (off < buf.length) this.rest = buf.subarray(off);
  }

  private broken(what: string): Error {
    this.socket.destroy();
    return new Error(`raw binary socket: ${what}`);
  }
}

const NOOP: Waiter = () => {};
/** memcas's default maxValueBytes, checked as memcas checks it. */
const MAX_VALUE = 1024 * 1024;
