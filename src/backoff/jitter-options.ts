/** Options shared by the jittered policies. */
export interface JitterOptions {
  /**
   * The base delay, in ms.
   * @defaultValue 2
   */
  readonly baseMs?: number;
  /**
   * The largest delay, in ms.
   * @defaultValue 250
   */
  readonly capMs?: number;
}

/** Defaults of {@link JitterOptions}. */
export const DEFAULT_JITTER_OPTIONS = Object.freeze({ baseMs: 2, capMs: 250 });
