import { setTimeout as sleep } from "node:timers/promises";
import { classify } from "../store/errors.js";
import { backoff, type RetryPolicy } from "../store/retry.js";

/** What one batch request left undone: the ids of its entries DynamoDB did not process. */
export type Send<E> = (entries: readonly E[]) => Promise<readonly string[]>;

export interface BatchPlan<E> {
  /** The distinct entries of the call, each with its own id. */
  readonly entries: readonly E[];
  readonly idOf: (entry: E) => string;
  /** The most entries one request may carry (100 reads, 25 writes). */
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly send: Send<E>;
  /** Called with the number of entries done so far, after every request that did some. */
  readonly onDone?: (done: number) => void;
}

export interface BatchOutcome<E> {
  /** Exactly the entries not done, even after retries. */
  readonly failed: readonly E[];
  readonly done: number;
  /** Why the first of them failed. */
  readonly reason?: string;
  readonly cause?: unknown;
  /** True when a definite refusal (or the caller's `onProgress`) stopped the call. */
  readonly stopped: boolean;
}

/**
 * Sends the entries in chunks, `concurrency` requests at a time, and sends again whatever
 * DynamoDB leaves unprocessed (or a throttled or lost request carried), with full-jitter
 * backoff. The retry policy counts attempts without progress: a big chunk that DynamoDB
 * answers in parts keeps going while each answer does some of it. A definite refusal stops the
 * whole call: no new request starts, and what was not done is reported, never dropped.
 */
export async function runBatch<E>(plan: BatchPlan<E>): Promise<BatchOutcome<E>> {
  const chunks: E[][] = [];
  for (let i = 0; i < plan.entries.length; i += plan.chunkSize) {
    chunks.push(plan.entries.slice(i, i + plan.chunkSize));
  }
  const failed: E[] = [];
  let done = 0;
  let stop: { reason: string; cause: unknown } | undefined;
  let firstFailure: { reason: string; cause?: unknown } | undefined;

  const runChunk = async (chunk: readonly E[]) => {
    let pending = chunk;
    let attempt = 0;
    let startedAt = Date.now();
    while (pending.length > 0) {
      if (stop !== undefined) {
        failed.push(...pending);
        return;
      }
      attempt++;
      let left: ReadonlySet<string>;
      let why = "";
      let cause: unknown;
      try {
        left = new Set(await plan.send(pending));
        why = `DynamoDB left ${left.size} unprocessed`;
      } catch (err) {
        if (classify(err) === "definite") {
          stop = { reason: describe(err), cause: err };
          firstFailure ??= stop;
          failed.push(...pending);
          return;
        }
        // Throttled, or the answer was lost: batch puts and deletes are idempotent, so resend.
        left = new Set(pending.map(plan.idOf));
        why = describe(err);
        cause = err;
      }
      const next = pending.filter((entry) => left.has(plan.idOf(entry)));
      if (next.length < pending.length) {
        done += pending.length - next.length;
        // After a stop, progress is not reported: an onProgress that threw is not called again.
        if (stop === undefined) {
          try {
            plan.onDone?.(done);
          } catch (err) {
            stop = { reason: `onProgress threw: ${describe(err)}`, cause: err };
            firstFailure ??= stop;
          }
        }
        attempt = 0;
        startedAt = Date.now();
      }
      pending = next;
      if (pending.length === 0) return;
      const delay = backoff(plan.retry, Math.max(attempt, 1), startedAt);
      if (delay === undefined) {
        firstFailure ??= {
          reason: `${why}, after ${attempt} attempts without progress`,
          cause,
        };
        failed.push(...pending);
        return;
      }
      await sleep(delay);
    }
  };

  let nextChunk = 0;
  const worker = async () => {
    while (nextChunk < chunks.length) {
      const chunk = chunks[nextChunk++] as E[];
      await runChunk(chunk);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(plan.concurrency, chunks.length) }, () => worker()),
  );
  return {
    failed,
    done,
    stopped: stop !== undefined,
    ...(firstFailure === undefined
      ? {}
      : { reason: firstFailure.reason, cause: firstFailure.cause }),
  };
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}
