/** How a swap retries after a conflict: full-jitter exponential backoff within a deadline. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 50. */
  readonly maxAttempts?: number;
  /** The first backoff's upper bound, in ms. Default 5. */
  readonly baseDelayMs?: number;
  /** The largest backoff, in ms. Default 1,000. */
  readonly maxDelayMs?: number;
  /** Give up after this long, in ms, counted from the first attempt. Default 30,000. */
  readonly deadlineMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 50,
  baseDelayMs: 5,
  maxDelayMs: 1_000,
  deadlineMs: 30_000,
};

/** The store's policy with an atom's own options on top. */
export function retryPolicy(
  ...layers: readonly (RetryOptions | undefined)[]
): Required<RetryOptions> {
  return Object.assign({}, DEFAULT_RETRY, ...layers.filter((layer) => layer !== undefined));
}
