import { setTimeout as sleep } from "node:timers/promises";
import { backoff, type RetryPolicy } from "./policy.js";

/** Where a call stands in its retry policy. */
export interface Clock {
  readonly policy: RetryPolicy;
  /** Attempts so far in this window, the current one included. */
  readonly attempt: number;
  /** The ms left before the call's deadline (at least 1). */
  left(): number;
  /** The backoff waited before this attempt, in ms (0 for the first, and after `now`). */
  readonly waitedMs: number;
}

/** What one attempt decided: finished, or try again (after a backoff unless `now`). */
export type Step<T> =
  | { readonly done: T }
  | {
      readonly again: string;
      readonly cause?: unknown;
      /** Run again at once, without backoff (a stale cached value was read again). */
      readonly now?: boolean;
      /** Work got done: the attempts and the deadline count afresh from here. */
      readonly progress?: boolean;
    };

/** Why the policy ran out, for the caller's error. */
export interface Exhausted {
  readonly why: string;
  readonly cause: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;
}

/**
 * The one retry loop: runs `step` until it is done, with full-jitter backoff between attempts,
 * within the policy's attempts and deadline; once they run out, `exhausted` answers (or throws).
 * The deadline bounds the whole call: each attempt is told how long it may still take.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  step: (clock: Clock) => Promise<Step<T>>,
  exhausted: (last: Exhausted) => T | Promise<T>,
): Promise<T> {
  const clock = new RetryClock(policy);
  for (;;) {
    clock.attempt++;
    const result = await step(clock);
    if ("done" in result) return result.done;
    if (result.progress) {
      clock.attempt = 0;
      clock.startedAt = Date.now();
    }
    const { attempt, startedAt } = clock;
    if (result.now && attempt < policy.maxAttempts && Date.now() - startedAt < policy.deadlineMs) {
      clock.waitedMs = 0;
      continue;
    }
    const delay = backoff(policy, Math.max(attempt, 1), startedAt);
    if (delay === undefined) {
      return exhausted({
        why: result.again,
        cause: result.cause,
        attempts: attempt,
        elapsedMs: Date.now() - startedAt,
      });
    }
    clock.waitedMs = delay;
    await sleep(delay);
  }
}

/** The loop's own clock: a plain class, as one is made for every call. */
class RetryClock implements Clock {
  attempt = 0;
  waitedMs = 0;
  startedAt = Date.now();
  constructor(readonly policy: RetryPolicy) {}
  left(): number {
    return Math.max(1, this.startedAt + this.policy.deadlineMs - Date.now());
  }
}
