import { connect, type Socket } from 'node:net';

/**
 * The leanest pipelined binary-protocol client we could write: requests of a
 * tick in one socket write, answers matched in order. It is the ceiling any
 * Node client can reach on this machine, not a usable client.
 */
export class RawSocketClient {
  private readonly waiting: Array<(status: number, cas: bigint) => void> = [];
  private head = 0;
  private pending: Buffer[] = [];
  private rest: Buffer | undefined;

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

  /** GET: resolves with the CAS token (0n on a miss). */
  get(key: string): Promise<bigint> {
    return this.send(0x00, key, undefined, 0n).then(([, cas]) => cas);
  }

  /** SET with a CAS token: resolves with the status. */
  cas(key: string, value: Buffer, cas: bigint): Promise<number> {
    return this.send(0x01, key, value, cas).then(([status]) => status);
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
  ): Promise<[number, bigint]> {
    const extras = value ? 8 : 0;
    const vlen = value?.length ?? 0;
    const buf = Buffer.alloc(24 + extras + key.length + vlen);
    buf[0] = 0x80;
    buf[1] = opcode;
    buf.writeUInt16BE(key.length, 2);
    buf[4] = extras;
    buf.writeUInt32BE(extras + key.length + vlen, 8);
    buf.writeBigUInt64BE(cas, 16);
    buf.write(key, 24 + extras, 'latin1');
    value?.copy(buf, 24 + extras + key.length);
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push(buf);
    return new Promise((resolve) => this.waiting.push((s, c) => resolve([s, c])));
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
      const total = 24 + buf.readUInt32BE(off + 8);
      if (buf.length - off < total) break;
      const cb = this.waiting[this.head++];
      if (this.head > 4096) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      cb?.(buf.readUInt16BE(off + 6), buf.readBigUInt64BE(off + 16));
      off += total;
    }
    if (off < buf.length) this.rest = buf.subarray(off);
  }
}
