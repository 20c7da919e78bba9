import { DynatomError } from "../errors/index.js";

/**
 * How dynatom retries after a conflict, throttling or unprocessed batch keys: full-jitter
 * exponential backoff, within a number of attempts and a deadline.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 50. */
  readonly maxAttempts?: number | undefined;
  /** The first backoff's upper bound, in ms. Default 5. */
  readonly baseDelayMs?: number | undefined;
  /** The largest backoff, in ms. Default 1,000. */
  readonly maxDelayMs?: number | undefined;
  /** Give up after this long, in ms, counted from the first attempt. Default 30,000. */
  readonly deadlineMs?: number | undefined;
}

/** A policy with every option set. */
export type RetryPolicy = { readonly [K in keyof RetryOptions]-?: number };

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 50,
  // Measured (bench/retry-defaults.ts): 4 processes × 4 handles and 8 processes × 1 on one
  // atom had the most goodput with 2/200 among 5/1000, 2/200, 2/50 and 1/20.
  baseDelayMs: 2,
  maxDelayMs: 200,
  deadlineMs: 30_000,
};

/** What each option must be: a NaN or a negative deadline would make a retry loop endless. */
const CHECKS: Record<keyof RetryOptions, (n: number) => boolean> = {
  maxAttempts: (n) => Number.isSafeInteger(n) && n >= 1,
  baseDelayMs: (n) => Number.isFinite(n) && n >= 0,
  maxDelayMs: (n) => Number.isFinite(n) && n >= 0,
  deadlineMs: (n) => Number.isFinite(n) && n > 0,
};

/**
 * The store's policy with an atom's own options on top. An option left `undefined` keeps the
 * layer below; one that is not a usable number fails with `store.invalid-option`.
 */
export function retryPolicy(...layers: readonly (RetryOptions | undefined)[]): RetryPolicy {
  const policy: { -readonly [K in keyof RetryPolicy]: number } = { ...DEFAULT_RETRY };
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      if (value === undefined) continue;
      const option = name as keyof RetryOptions;
      const check = CHECKS[option];
      if (check === undefined || typeof value !== "number" || !check(value)) {
        throw new DynatomError(
          "store.invalid-option",
          `The retry option ${JSON.stringify(name)} cannot be ${String(value)}: ` +
            (check === undefined
              ? `the retry options are ${Object.keys(CHECKS).join(", ")}.`
              : "maxAttempts takes a whole number ≥ 1, the delays a finite number of ms ≥ 0, " +
                "deadlineMs a finite number of ms > 0."),
          { details: { option: `retry.${name}`, value: String(value) } },
        );
      }
      policy[option] = value;
    }
  }
  return policy;
}

const MIN_ATTEMPT_MS = 100;

/** The full-jitter backoff before attempt `attempt + 1`, or undefined once the policy has run out. */
export function backoff(
  retry: RetryPolicy,
  attempt: number,
  startedAt: number,
): number | undefined {
  if (attempt >= retry.maxAttempts) return undefined;
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  const delay = Math.random() * cap;
  // An attempt left only a sliver of the deadline would time out and leave its outcome unknown
  // for nothing: stop at the policy instead.
  const sliver = Math.min(MIN_ATTEMPT_MS, retry.deadlineMs / 10);
  return Date.now() + delay - startedAt > retry.deadlineMs - sliver ? undefined : delay;
}

/** The policy for a step inside a call: the same, with no more time than the call has left. */
export function within(policy: RetryPolicy, leftMs: number | undefined): RetryPolicy {
  return leftMs === undefined || leftMs >= policy.deadlineMs
    ? policy
    : { ...policy, deadlineMs: Math.max(1, leftMs) };
}
