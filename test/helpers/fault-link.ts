import { connect, type Socket } from 'node:net';
import type { Dice, FaultSettings, FaultStats } from './fault-settings.js';

/** Bytes waiting to go one way: `due` is when (performance.now() ms); `cut` closes the link once written. */
interface Held {
  readonly data: Buffer;
  readonly due: number;
  readonly cut: boolean;
}

/** What a {@link Link} needs from its proxy. */
export interface LinkHost {
  /** The memcached node. */
  readonly target: { readonly host: string; readonly port: number };
  readonly stats: FaultStats;
  readonly dice: Dice;
  /** The faults in force. */
  faults(): Readonly<Required<FaultSettings>>;
  /** True while the node is partitioned: nothing moves. */
  partitioned(): boolean;
  /** Partitions the node for `ms`. */
  partition(ms: number): void;
  /** The link is done (its sockets closed or destroyed): forget it. */
  forget(link: Link): void;
}

/**
 * One client connection of a fault proxy and its own connection onwards to
 * the node, with the bytes held each way (by a delay or a partition) and the
 * faults decided chunk by chunk.
 */
export class Link {
  private upstream: Socket | undefined;
  private connected = false;
  private readonly toNode: Held[] = [];
  private readonly toClient: Held[] = [];
  private clientOpen = true;
  private upstreamOpen = false;
  /** Nothing more goes to the client: its replies are being dropped. */
  private silenced = false;
  /** Nothing more is forwarded either way: the link only waits for its sockets to close. */
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: LinkHost,
    private readonly client: Socket,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('close', () => {
      this.clientOpen = false;
      this.toClient.length = 0;
      this.pump();
      this.forgetIfClosed();
    });
  }

  /** Connects onwards if not yet done, and delivers what is due. */
  resume(): void {
    if (this.upstream === undefined && !this.finished) {
      const { host, port } = this.proxy.target;
      const upstream = connect({ host, port, noDelay: true });
      this.upstream = upstream;
      this.upstreamOpen = true;
      upstream.on('error', () => undefined);
      upstream.on('connect', () => {
        this.connected = true;
        this.pump();
      });
      upstream.on('data', (chunk: Buffer) => this.fromNode(chunk));
      upstream.on('close', () => {
        this.upstreamOpen = this.connected = false;
        this.toNode.length = 0;
        this.pump();
        this.forgetIfClosed();
      });
    }
    this.pump();
  }

  /** Closes both sockets at once and forgets everything held. */
  destroy(): void {
    this.finish();
    this.client.destroy();
    this.upstream?.destroy();
    this.proxy.forget(this);
  }

  private fromClient(chunk: Buffer): void {
    const proxy = this.proxy;
    const f = proxy.faults();
    proxy.stats.requestChunks++;
    if (this.finished) return;
    if (proxy.dice.roll(f.partition)) proxy.partition(proxy.dice.ms(f.partitionMs));
    if (proxy.dice.roll(f.cutRequest)) {
      proxy.stats.cutRequests++;
      const keep = Math.floor(proxy.dice.random() * chunk.length);
      this.toNode.push({ data: chunk.subarray(0, keep), due: 0, cut: true });
    } else {
      if (!this.silenced && proxy.dice.roll(f.dropReply)) {
        proxy.stats.droppedReplies++;
        this.silenced = true;
        this.closeTimer = setTimeout(() => this.destroy(), proxy.dice.ms(f.dropReplyCloseMs));
      }
      this.toNode.push({ data: chunk, due: 0, cut: false });
    }
    this.pump();
  }

  private fromNode(chunk: Buffer): void {
    const proxy = this.proxy;
    const f = proxy.faults();
    proxy.stats.replyChunks++;
    if (this.finished || this.silenced || !this.clientOpen) return;
    if (proxy.dice.roll(f.cutReply)) {
      proxy.stats.cutReplies++;
      const keep = Math.floor(proxy.dice.random() * chunk.length);
      this.toClient.push({ data: chunk.subarray(0, keep), due: 0, cut: true });
    } else if (proxy.dice.roll(f.delayReply)) {
      proxy.stats.delayedReplies++;
      const due = performance.now() + proxy.dice.ms(f.delayReplyMs);
      this.toClient.push({ data: chunk, due, cut: false });
    } else {
      this.toClient.push({ data: chunk, due: 0, cut: false });
    }
    this.pump();
  }

  /** Writes what is due each way unless partitioned, and ends the link once one side is done. */
  private pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.finished) return;
    let wait = Infinity;
    if (!this.proxy.partitioned()) {
      if (this.connected) wait = this.drain(this.toNode, this.upstream, this.client);
      if (!this.finished)
        wait = Math.min(wait, this.drain(this.toClient, this.client, this.upstream));
      if (this.finished) return;
    }
    if (!this.clientOpen && this.toNode.length === 0) {
      // The client is gone and every request held for the node has reached it.
      this.finish();
      if (this.connected) this.upstream?.end();
      else this.upstream?.destroy();
      this.forgetIfClosed();
    } else if (this.upstream !== undefined && !this.upstreamOpen && this.toClient.length === 0) {
      // The node closed: the client sees it, after what was due to it.
      this.finish();
      this.client.end();
    } else if (Number.isFinite(wait)) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, wait));
    }
  }

  /** Writes the due head of `queue` to `to`; returns ms until the next one is due. */
  private drain(queue: Held[], to: Socket | undefined, other: Socket | undefined): number {
    const now = performance.now();
    for (let head = queue[0]; head !== undefined; head = queue[0]) {
      if (head.due > now) return head.due - now;
      queue.shift();
      if (to === undefined || !to.writable) continue;
      if (!head.cut) {
        to.write(head.data);
        continue;
      }
      // A cut: the prefix then FIN on this side, the other side closed abruptly.
      this.finish();
      to.end(head.data);
      other?.destroy();
      break;
    }
    return Infinity;
  }

  private finish(): void {
    this.finished = true;
    this.toNode.length = 0;
    this.toClient.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.timer = this.closeTimer = undefined;
  }

  /** Drops the link from the proxy once both its sockets have closed. */
  private forgetIfClosed(): void {
    if (this.finished && !this.clientOpen && !this.upstreamOpen) this.proxy.forget(this);
  }
}
