import { connect, type Socket } from 'node:net';

/**
 * A tiny memcached text-protocol client, standing in for the other languages'
 * clients (pymemcache, libmemcached) in interop tests.
 */
export class TextClient {
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Connects to `host:port`. */
  static open(host: string, port: number): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new TextClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a command and resolves with the reply up to and including `terminator`. */
  async command(line: string, terminator: RegExp): Promise<string> {
    this.socket.write(line);
    for (;;) {
      const m = terminator.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const reply = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return reply;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** `gets`: value, flags and CAS token, or undefined. */
  async gets(key: string): Promise<{ value: string; flags: number; cas: bigint } | undefined> {
    const reply = await this.command(`gets ${key}\r\n`, /END\r\n/);
    const m = /^VALUE \S+ (\d+) (\d+) (\d+)\r\n([\s\S]*)\r\nEND\r\n$/.exec(reply);
    if (!m) return undefined;
    return { flags: Number(m[1]), value: m[4] as string, cas: BigInt(m[3] as string) };
  }

  /** `set` with flags 0, as pymemcache writes bytes. */
  set(key: string, value: string, flags = 0): Promise<string> {
    return this.command(
      `set ${key} ${flags} 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`,
      /\r\n/,
    );
  }

  /** `cas`: STORED, EXISTS or NOT_FOUND. */
  async cas(key: string, value: string, cas: bigint, flags = 0): Promise<string> {
    const reply = await this.command(
      `cas ${key} ${flags} 0 ${Buffer.byteLength(value)} ${cas}\r\n${value}\r\n`,
      /\r\n/,
    );
    return reply.trim();
  }

  /** Seconds an item has left (`-1`: never expires), or undefined on a miss: meta `mg <key> t`. */
  async ttl(key: string): Promise<number | undefined> {
    const reply = await this.command(`mg ${key} t\r\n`, /\r\n/);
    const m = /^HD t(-?\d+)/.exec(reply);
    return m ? Number(m[1]) : undefined;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }
}
