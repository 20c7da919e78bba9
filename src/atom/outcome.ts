import { OutcomeUnknownError, SwapConflictError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { afterConflict } from "../protocol/settle.js";
import type { Seen } from "../protocol/state.js";
import type { Target } from "./write.js";

/**
 * After a conditional write was refused, whether it (an earlier send of it) applied, as the item
 * it answered tells; `OutcomeUnknownError` when that cannot be told.
 */
export function conflictVerdict(
  target: Target,
  sent: { readonly basis: Seen; readonly writeId: string; readonly uncertain: boolean },
  current: Seen,
  cause: unknown,
): "applied" | "not-applied" {
  const verdict = afterConflict(sent.basis, sent.writeId, sent.uncertain, current);
  if (verdict !== "unknown") return verdict;
  throw outcomeUnknown(
    target,
    sent.writeId,
    cause,
    "the item has since moved on past the write ids it keeps (or was deleted)",
  );
}

/** A write whose answer was lost and whose outcome the item cannot tell: applied once or not at all. */
export function outcomeUnknown(
  target: Target,
  writeId: string,
  cause: unknown,
  why: string,
): OutcomeUnknownError {
  const reason = `the answer to a write was lost and ${why}, so whether it applied cannot be told`;
  return new OutcomeUnknownError(
    `Atom "${target.definition.name}" ${target.keyText}: ${reason}. It applied once or not at ` +
      "all, never twice: deref the atom to see its value before deciding what to do.",
    {
      details: {
        atom: target.definition.name,
        key: target.keyText,
        writeId,
        reason,
      },
      cause,
    },
  );
}

/**
 * Why a write's retries ran out: unknown after a send that may have applied; the request's own
 * failure when it was not reached or throttled to the end; else contention.
 */
export function gaveUp(
  target: Target,
  uncertain: { readonly writeId: string } | undefined,
  last: Failed | undefined,
  run: { readonly attempts: number; readonly elapsedMs: number; readonly cause: unknown },
  operation: string,
): never {
  const { core, definition } = target;
  if (uncertain !== undefined) {
    throw outcomeUnknown(
      target,
      uncertain.writeId,
      run.cause,
      "the retries ran out before DynamoDB answered",
    );
  }
  // Nothing was written: not reached, or throttled, to the end.
  if (last !== undefined && last.failure !== "conflict" && last.failure !== "busy") {
    throw core.executor.failed(operation, last);
  }
  throw new SwapConflictError(
    `Atom "${definition.name}" ${target.keyText}: gave up after ${run.attempts} attempts in ` +
      `${run.elapsedMs} ms of contention; nothing was written. Raise retry.maxAttempts ` +
      "or retry.deadlineMs, or spread the load over more atoms.",
    {
      details: {
        atom: definition.name,
        key: target.keyText,
        attempts: run.attempts,
        elapsedMs: run.elapsedMs,
      },
      retryable: true,
      cause: run.cause,
    },
  );
}
