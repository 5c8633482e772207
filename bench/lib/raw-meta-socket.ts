import { connect, type Socket } from 'node:net';

/**
 * The leanest pipelined meta-protocol client we could write, the twin of
 * {@link RawSocketClient}: requests of a tick in one socket write, replies
 * matched in order, no opaques, no checks. The ceiling for meta on this
 * machine, not a usable client.
 */
export class RawMetaClient {
  private readonly waiting: Array<(word: string, cas: bigint) => void> = [];
  private head = 0;
  private pending: Buffer[] = [];
  private rest: Buffer | undefined;

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

  /** `mg k v c`: resolves with the CAS token (0n on a miss). */
  get(key: string): Promise<bigint> {
    return this.send(Buffer.from(`mg ${key} v c\r\n`, 'latin1')).then(([, cas]) => cas);
  }

  /** `ms k n C<cas>`: resolves with the reply word. */
  cas(key: string, value: Buffer, cas: bigint): Promise<string> {
    const head = Buffer.from(`ms ${key} ${value.length} C${cas}\r\n`, 'latin1');
    return this.send(Buffer.concat([head, value, CRLF])).then(([word]) => word);
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }

  private send(request: Buffer): Promise<[string, bigint]> {
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push(request);
    return new Promise((resolve) => this.waiting.push((w, c) => resolve([w, c])));
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
      const line = buf.toString('latin1', off, eol - 1);
      let end = eol + 1;
      if (line.startsWith('VA ')) {
        end += Number(line.slice(3, line.indexOf(' ', 3))) + 2;
        if (end > buf.length) break;
      }
      const c = line.indexOf(' c');
      const cas = c < 0 ? 0n : BigInt(line.slice(c + 2).split(' ')[0] ?? '0');
      const cb = this.waiting[this.head++];
      if (this.head > 4096) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      cb?.(line.slice(0, 2), cas);
      off = end;
    }
    if (off < buf.length) this.rest = buf.subarray(off);
  }
}

const CRLF = Buffer.from('\r\n');
