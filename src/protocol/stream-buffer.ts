/**
 * The bytes a reply reader holds between socket chunks: an incomplete reply
 * kept until enough has arrived to parse it (joined once, not per chunk), and
 * an oversized value being discarded as it arrives, never buffered.
 */
export class StreamBuffer {
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Bytes to hold before parsing again (0: parse on any new bytes). */
  private needed = 0;
  /** Bytes still to discard. */
  private skipping = 0;

  /**
   * The bytes to parse once `chunk` arrives: the chunk itself when nothing
   * is held, the held bytes joined with it once `needed` are there, or
   * undefined while more are needed or being discarded.
   */
  take(chunk: Buffer): Buffer | undefined {
    if (this.skipping > 0) {
      if (chunk.length <= this.skipping) {
        this.skipping -= chunk.length;
        return undefined;
      }
      chunk = chunk.subarray(this.skipping);
      this.skipping = 0;
    }
    if (this.buffered === 0) return chunk;
    this.parts.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return undefined;
    const joined = Buffer.concat(this.parts, this.buffered);
    this.parts = [];
    this.buffered = 0;
    return joined;
  }

  /** Holds `buf` from `offset` on (if anything is left), to parse again once `needed` bytes are held. */
  keep(buf: Buffer, offset: number, needed: number): void {
    // take() has handed over everything it held: nothing is held here.
    this.needed = needed;
    if (offset >= buf.length) return;
    const rest = buf.subarray(offset);
    this.parts = [rest];
    this.buffered = rest.length;
  }

  /** Discards the next `bytes` that arrive (the rest of an oversized value). */
  skip(bytes: number): void {
    this.skipping = bytes;
  }
}
