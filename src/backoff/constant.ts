import { checkMs, type BackoffPolicy } from './policy.js';

/** Options of {@link constant}. */
export interface ConstantOptions {
  /**
   * The delay before every retry, in ms.
   * @defaultValue 10
   */
  readonly delayMs?: number;
}

/** Defaults of {@link ConstantOptions}. */
export const DEFAULT_CONSTANT_OPTIONS: Readonly<Required<ConstantOptions>> = Object.freeze({
  delayMs: 10,
});

/** Waits the same time before every retry. */
export function constant(options: ConstantOptions = {}): BackoffPolicy {
  const delayMs = checkMs(
    'constant',
    'delayMs',
    options.delayMs ?? DEFAULT_CONSTANT_OPTIONS.delayMs,
  );
  return Object.freeze({ name: 'constant', delay: () => delayMs });
}
