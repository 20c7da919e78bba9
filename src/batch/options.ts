import { DynatomError } from "../errors/index.js";
import { type RetryOptions, type RetryPolicy, retryPolicy } from "../executor/policy.js";

/** Options of `putItems` and `deleteItems`. */
export interface BatchWriteOptions {
  /** How many requests are in flight at once. Default 4. */
  readonly concurrency?: number;
  /**
   * How unprocessed items are sent again. `maxAttempts` counts attempts that made no progress.
   * Defaults: 10 attempts, 50 ms first backoff, 5 s largest, 2 min deadline without progress.
   */
  readonly retry?: RetryOptions;
  /** Called after each request that wrote something, with the items written so far. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

/** Options of `findItems`. */
export interface FindOptions extends Omit<BatchWriteOptions, "onProgress"> {
  /** Strongly consistent reads, like `deref`. Default true; false costs half the read units. */
  readonly consistent?: boolean;
}

export const DEFAULT_BATCH_RETRY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
  deadlineMs: 120_000,
};

/** The concurrency and retry policy of a call, checked. */
export function batchSettings(
  atom: string,
  operation: string,
  options: { readonly concurrency?: number; readonly retry?: RetryOptions },
) {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    const reason = `concurrency must be a whole number from 1, not ${String(concurrency)}`;
    throw new DynatomError("batch.invalid-option", `${operation}(${atom}): ${reason}.`, {
      details: { atom, option: "concurrency", reason },
    });
  }
  return { concurrency, retry: retryPolicy(DEFAULT_BATCH_RETRY, options.retry) };
}
