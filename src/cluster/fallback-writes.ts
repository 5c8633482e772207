/**
 * Under `onNodeDown: 'rehash'`, the keys this client wrote to a fallback node
 * while their owner was down, by owner, so the copies can be deleted when the
 * owner rejoins. Bounded per owner: past the limit the oldest are forgotten.
 */
export class FallbackWrites<N> {
  private readonly byOwner = new Map<string, Map<string, N>>();

  /** @param limit - keys remembered per owner */
  constructor(private readonly limit = 100_000) {}

  /** Notes that `key`, owned by `owner`, was written to `fallback`. */
  note(owner: string, key: string, fallback: N): void {
    let keys = this.byOwner.get(owner);
    if (!keys) {
      keys = new Map();
      this.byOwner.set(owner, keys);
    }
    keys.set(key, fallback);
    if (keys.size > this.limit) {
      const oldest = keys.keys().next().value;
      if (oldest !== undefined) keys.delete(oldest);
    }
  }

  /** Returns and forgets the keys written for `owner`. */
  take(owner: string): Map<string, N> {
    const keys = this.byOwner.get(owner) ?? new Map<string, N>();
    this.byOwner.delete(owner);
    return keys;
  }
}
