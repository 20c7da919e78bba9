import type { Attempted } from "../executor/attempt.js";
import { retrying } from "../executor/loop.js";
import type { RetryPolicy } from "../executor/policy.js";

/**
 * One batch request, within `leftMs`: answers the ids of its entries DynamoDB did not process.
 */
export type Send<E> = (
  entries: readonly E[],
  leftMs: number,
) => Promise<Attempted<readonly string[]>>;

export interface BatchPlan<E> {
  /** The distinct entries of the call, each with its own id. */
  readonly entries: readonly E[];
  readonly idOf: (entry: E) => string;
  /** The most entries one request may carry (100 reads, 25 writes). */
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly attempt: Send<E>;
  /** Called with the number of entries done so far, after every request that did some. */
  readonly onDone?: (done: number) => void;
  /**
   * After a send whose answer was lost (it may have applied): which entries the table shows
   * done, and which it cannot tell. The rest are sent again. Without it, everything is.
   */
  readonly settle?: Settle<E>;
}

/** What a read after a lost answer tells: ids of entries done, and of entries that cannot be told. */
export type Settle<E> = (
  entries: readonly E[],
  leftMs: number,
  /** Whether a send went out unanswered: it may still land, so an absent item proves nothing. */
  mayLandLater: boolean,
) => Promise<Attempted<Settled>>;

export interface Settled {
  readonly done: readonly string[];
  readonly unknown: readonly string[];
}

export interface BatchOutcome<E> {
  /** Exactly the entries not done, even after retries. */
  readonly failed: readonly E[];
  /** Entries whose outcome a lost answer left unknown, and that were not sent again. */
  readonly unknown: readonly E[];
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
  const unknown: E[] = [];
  let done = 0;
  let stop: { reason: string; cause: unknown } | undefined;
  let firstFailure: { reason: string; cause?: unknown } | undefined;

  /**
   * What a read after a lost answer tells: entries the table cannot tell go to `unknown`;
   * returns the ids still to send (the entries that did not apply) and how many went to
   * `unknown`.
   */
  const settled = (pending: readonly E[], answer: Settled) => {
    const cannotTell = new Set(answer.unknown);
    const finished = new Set([...answer.done, ...answer.unknown]);
    const unsure = pending.filter((entry) => cannotTell.has(plan.idOf(entry)));
    unknown.push(...unsure);
    const left = new Set(pending.map(plan.idOf).filter((id) => !finished.has(id)));
    return { left, unknownCount: unsure.length };
  };

  const runChunk = async (chunk: readonly E[]) => {
    let pending = chunk;
    // The last send may have applied: the table is read before anything is sent again.
    let unsettled = false;
    let landLater = false;
    await retrying<void>(
      plan.retry,
      async (clock) => {
        if (stop !== undefined) {
          (unsettled ? unknown : failed).push(...pending);
          return { done: undefined };
        }
        let left: ReadonlySet<string>;
        let why: string;
        let cause: unknown;
        let unknownCount = 0;
        if (unsettled && plan.settle !== undefined) {
          const answer = await plan.settle(pending, clock.left(), landLater);
          if (!answer.ok) {
            if (answer.failure === "definite") {
              // The read after a lost answer was refused (a role that may write but not read):
              // this chunk's outcome cannot be told, but the other chunks go on.
              firstFailure ??= {
                reason: `the read after a lost answer failed: ${formatError(answer.error)}`,
                cause: answer.error,
              };
              unknown.push(...pending);
              return { done: undefined };
            }
            return { again: formatError(answer.error), cause: answer.error };
          }
          ({ left, unknownCount } = settled(pending, answer.output));
          unsettled = false;
          landLater = false;
          why = "an answer was lost";
        } else {
          const answer = await plan.attempt(pending, clock.left());
          if (answer.ok) {
            left = new Set(answer.output);
            why = `DynamoDB left ${left.size} unprocessed`;
          } else {
            // A send that may have applied (a lost answer, a 5xx, even behind an SDK retry):
            // writes read the table before sending again; reads just read again.
            const mayHaveApplied = plan.settle !== undefined && answer.mayHaveApplied;
            if (
              (answer.failure === "definite" || answer.failure === "conflict") &&
              !mayHaveApplied
            ) {
              stop = { reason: formatError(answer.error), cause: answer.error };
              firstFailure ??= stop;
              failed.push(...pending);
              return { done: undefined };
            }
            if (mayHaveApplied) unsettled = true;
            if (answer.mayLandLater) landLater = true;
            left = new Set(pending.map(plan.idOf));
            why = formatError(answer.error);
            cause = answer.error;
          }
        }
        const next = pending.filter((entry) => left.has(plan.idOf(entry)));
        const progress = next.length < pending.length;
        if (progress) {
          // Counted from this chunk's own answer: other chunks add to `unknown` meanwhile.
          const added = pending.length - next.length - unknownCount;
          done += added;
          // After a stop, progress is not reported: an onProgress that threw is not called again.
          if (stop === undefined && added > 0) {
            try {
              plan.onDone?.(done);
            } catch (err) {
              stop = { reason: `onProgress threw: ${formatError(err)}`, cause: err };
              firstFailure ??= stop;
            }
          }
        }
        pending = next;
        if (pending.length === 0) return { done: undefined };
        return { again: why, cause, progress };
      },
      async ({ why, attempts, cause }) => {
        firstFailure ??= { reason: `${why}, after ${attempts} attempts without progress`, cause };
        if (unsettled && plan.settle !== undefined) {
          await settleLast(plan.settle, pending, landLater);
        } else failed.push(...pending);
      },
    );
  };

  /**
   * Out of retries right after a lost answer: one read still tells what applied (done), what
   * did not (failed, not sent again) and what cannot be told (unknown).
   */
  const settleLast = async (settle: Settle<E>, pending: readonly E[], landLater: boolean) => {
    const answer = await settle(pending, plan.retry.deadlineMs, landLater);
    if (!answer.ok) {
      unknown.push(...pending);
      return;
    }
    const { left, unknownCount } = settled(pending, answer.output);
    const notApplied = pending.filter((entry) => left.has(plan.idOf(entry)));
    failed.push(...notApplied);
    done += pending.length - notApplied.length - unknownCount;
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
    unknown,
    done,
    stopped: stop !== undefined,
    ...(firstFailure === undefined
      ? {}
      : { reason: firstFailure.reason, cause: firstFailure.cause }),
  };
}

function formatError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}
