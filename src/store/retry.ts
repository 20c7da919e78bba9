/**
 * How dynatom retries after a conflict, throttling or unprocessed batch keys: full-jitter
 * exponential backoff, within a number of attempts and a deadline.
 */
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

/** The full-jitter backoff before attempt `attempt + 1`, or undefined once the policy has run out. */
export function backoff(
  retry: Required<RetryOptions>,
  attempt: number,
  startedAt: number,
): number | undefined {
  if (attempt >= retry.maxAttempts) return undefined;
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  const delay = Math.random() * cap;
  return Date.now() + delay - startedAt > retry.deadlineMs ? undefined : delay;
}
