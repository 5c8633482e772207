import type { Backend } from '../backend/index.js';

/**
 * Remembers which node issued the CAS token `gets` returned for a key, so a
 * `cas` after the key moved (node removed, rehashed) reports a conflict
 * instead of sending a token that means nothing, or something else, on the
 * new owner. Bounded: the first-remembered keys are forgotten first.
 */
export class CasOrigins {
  private readonly origins = new Map<string, { cas: bigint; origin: Backend }>();

  /** @param limit - how many keys to remember */
  constructor(private readonly limit = 10_000) {}

  /** Notes that `origin` issued `cas` for `key`. */
  remember(key: string, cas: bigint, origin: Backend): void {
    this.origins.set(key, { cas, origin });
    if (this.origins.size > this.limit) {
      const oldest = this.origins.keys().next().value;
      if (oldest !== undefined) this.origins.delete(oldest);
    }
  }

  /** True when `cas` for `key` came from another node than `current`. */
  moved(key: string, cas: bigint, current: Backend): boolean {
    const seen = this.origins.get(key);
    return seen !== undefined && seen.cas === cas && seen.origin !== current;
  }
}
