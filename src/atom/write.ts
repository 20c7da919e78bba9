import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { OutcomeUnknownError, SwapConflictError, ValidationError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import { type RetryPolicy, within } from "../executor/policy.js";
import { afterConflict, afterRefusal } from "../protocol/settle.js";
import { afterWrite, bookkeeping, type Seen, seenFrom } from "../protocol/state.js";
import { deleteAtom, getAtom, putAtom } from "../requests/atom.js";
import { newWriteId } from "../schema/bookkeeping.js";
import { keyFieldsOf, keyId, keyText } from "../schema/keys.js";
import { readProjections } from "../schema/projection.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";

/** Everything a write needs to know about its atom. */
export interface Target {
  readonly core: StoreCore;
  readonly definition: AtomDefinition;
  readonly key: Record<string, AttributeValue>;
  /** The key, for messages: `{"tenant":"t1","id":"a1"}`. */
  readonly keyText: string;
  readonly retry: RetryPolicy;
}

/** What a computation decides on the current value: write this value, or stop with a result. */
export type Decision =
  | {
      readonly write: unknown;
      /** The value already validated and encoded (by `reset`), so that it is not done twice. */
      readonly prepared?: {
        readonly value: unknown;
        readonly item: Record<string, AttributeValue>;
      };
    }
  | { readonly stop: true };

export interface Applied {
  readonly written: boolean;
  /** The value the decision was made on. */
  readonly old: unknown;
  /** The value written (valibot's output), or the current value when the decision stopped. */
  readonly value: unknown;
  /** The state the handle knows afterwards. */
  readonly seen: Seen;
}

/**
 * Reads the item, strongly consistently. A read changes nothing, so a throttled or lost one is
 * simply read again, with backoff, under the atom's retry policy (and within `leftMs`, the time
 * the calling operation has left).
 */
export async function readSeen(target: Target, leftMs?: number): Promise<Seen> {
  const { core } = target;
  const { Item: item } = await core.executor.read(
    () =>
      new GetItemCommand(getAtom(core.table, target.key, readProjections(target.definition).atom)),
    within(target.retry, leftMs),
  );
  return seenFrom(target.definition, item);
}

interface Pending {
  readonly writeId: string;
  readonly basis: Seen;
  readonly old: unknown;
  readonly value: unknown;
  readonly item: Record<string, AttributeValue>;
  /** Whether an earlier send of this very write may have been applied. */
  uncertain: boolean;
}

/**
 * Applies `decide(current)` to the atom exactly once, by conditional writes on the state it was
 * computed from. A conflict returns the current item with the failure (ALL_OLD), so a retry
 * needs no read. A lost answer is resolved by sending the same write again: both are
 * conditional on one state, so at most one can apply, and the item's list of recent write ids
 * tells whether it was ours. When that cannot be told, `OutcomeUnknownError`; never twice.
 */
export async function applyOnce(
  target: Target,
  start: Seen | undefined,
  initial: unknown,
  decide: (current: unknown) => Decision,
): Promise<Applied> {
  const { core, definition, retry } = target;
  let seen = start;
  // A decision not to write must rest on the stored value, never on a stale cached one.
  let fresh = start === undefined;
  let pending: Pending | undefined;
  let last: Failed | undefined;
  return retrying<Applied>(
    retry,
    async (clock) => {
      // The first read counts against the call's deadline too.
      seen ??= await readSeen(target, clock.left());
      if (pending === undefined) {
        const current = seen.exists ? seen.value : initial;
        let decision: Decision;
        let prepared: { readonly value: unknown; readonly item: Record<string, AttributeValue> };
        try {
          decision = decide(current);
          // Validation and encoding throw here, before anything is sent.
          prepared =
            "stop" in decision
              ? { value: current, item: {} }
              : (decision.prepared ??
                definition.prepare(decision.write as never, current as never));
          if (!("stop" in decision)) assertSameKey(target, prepared.value, prepared.item);
        } catch (err) {
          // A function that throws, or a value refused, is reported only on the stored value.
          if (fresh) throw err;
          seen = await readSeen(target, clock.left());
          fresh = true;
          return { again: "a stale cached value", now: true };
        }
        if ("stop" in decision) {
          if (fresh) return { done: { written: false, old: current, value: current, seen } };
          seen = await readSeen(target, clock.left());
          fresh = true;
          return { again: "a stale cached value", now: true };
        }
        const writeId = newWriteId();
        pending = {
          writeId,
          basis: seen,
          old: current,
          value: prepared.value,
          item: { ...prepared.item, ...bookkeeping(seen, writeId) },
          uncertain: false,
        };
      }
      const sent = pending;
      const result = await core.executor.attempt(
        new PutItemCommand(putAtom(core.table, sent.item, sent.basis)),
        clock.left(),
      );
      if (result.ok) {
        const after = afterWrite(sent.basis, sent.writeId, sent.value);
        return { done: { written: true, old: sent.old, value: sent.value, seen: after } };
      }
      last = result;
      if (result.mayHaveApplied) sent.uncertain = true;
      if (result.failure === "definite") {
        if (!sent.uncertain) throw core.executor.failed("PutItem", result);
        return { done: await settle(target, sent, result.error, clock.left()) };
      }
      // Sent again, a write on a state with no write id (an absent item, or one another tool
      // wrote) could apply a second time: that state can come back after a delete. The item
      // says whether the first one applied, or nothing does.
      if (sent.uncertain && sent.basis.writes.length === 0 && result.failure !== "conflict") {
        return { done: await settle(target, sent, result.error, clock.left()) };
      }
      if (result.failure === "conflict") {
        const item = (result.error as { Item?: Record<string, AttributeValue> }).Item;
        const current = seenFrom(definition, item);
        const verdict = afterConflict(sent.basis, sent.writeId, sent.uncertain, current);
        if (verdict === "applied") {
          return { done: { written: true, old: sent.old, value: sent.value, seen: current } };
        }
        if (verdict === "unknown") {
          throw unknown(
            target,
            sent,
            result.error,
            "the item has since moved on past the write ids it keeps (or was deleted)",
          );
        }
        seen = current;
        fresh = true;
        pending = undefined;
      }
      return { again: result.failure, cause: result.error };
    },
    ({ attempts, elapsedMs, cause }) => {
      if (pending?.uncertain) {
        throw unknown(target, pending, cause, "the retries ran out before DynamoDB answered");
      }
      // Nothing was written: not reached, or throttled, to the end.
      if (last !== undefined && last.failure !== "conflict" && last.failure !== "busy") {
        throw core.executor.failed("PutItem", last);
      }
      throw new SwapConflictError(
        `Atom "${definition.name}" ${target.keyText}: gave up after ${attempts} attempts in ` +
          `${elapsedMs} ms of contention; nothing was written. Raise retry.maxAttempts ` +
          "or retry.deadlineMs, or spread the load over more atoms.",
        {
          details: { atom: definition.name, key: target.keyText, attempts, elapsedMs },
          retryable: true,
          cause,
        },
      );
    },
  );
}

/**
 * After a send that may have applied, when sending again is refused or unsafe, the item says
 * whether it did: listed, the swap succeeded; provably not, the refusal stands; otherwise the
 * outcome is unknown.
 */
async function settle(
  target: Target,
  pending: Pending,
  err: unknown,
  leftMs: number,
): Promise<Applied> {
  let current: Seen;
  try {
    current = await readSeen(target, leftMs);
  } catch (readErr) {
    throw unknown(target, pending, readErr, `the item could not be read to tell (${String(err)})`);
  }
  const verdict = afterRefusal(pending.basis, pending.writeId, current);
  if (verdict === "applied") {
    return { written: true, old: pending.old, value: pending.value, seen: current };
  }
  if (verdict === "not-applied") {
    throw target.core.executor.failed("PutItem", {
      ok: false,
      failure: "definite",
      error: err,
      mayHaveApplied: false,
    });
  }
  throw unknown(target, pending, err, "the item does not show it, nor prove it never will");
}

function unknown(
  target: Target,
  pending: Pending,
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
        writeId: pending.writeId,
        reason,
      },
      cause,
    },
  );
}

/**
 * Deletes the item once. A delete is unconditional, so a lost answer is not sent again (it could
 * delete an item made again since): the item is read instead. Absent after an answer that came
 * back (a 5xx), the delete is done, by us or by someone else: the atom is gone either way.
 * Present, or after a send that went out unanswered (it may still land), its outcome is unknown.
 */
export async function removeOnce(target: Target): Promise<void> {
  const { core } = target;
  let last: Failed | undefined;
  await retrying(
    target.retry,
    async (clock) => {
      const result = await core.executor.attempt(
        new DeleteItemCommand(deleteAtom(core.table, target.key)),
        clock.left(),
      );
      if (result.ok) return { done: undefined };
      last = result;
      if (!result.mayHaveApplied && result.failure !== "definite") {
        return { again: result.failure, cause: result.error };
      }
      if (!result.mayHaveApplied) throw core.executor.failed("DeleteItem", result);
      const current = result.mayLandLater
        ? undefined
        : await readSeen(target, clock.left()).catch(() => undefined);
      if (current?.exists === false) return { done: undefined };
      const why = result.mayLandLater
        ? "the delete went out unanswered and may still land"
        : "the item could not be read, or is there (perhaps made again since)";
      throw new OutcomeUnknownError(
        `Atom "${target.definition.name}" ${target.keyText}: the answer to destroy() was lost and ${why}. ` +
          "Deref the atom to see whether it is still there.",
        {
          details: {
            atom: target.definition.name,
            key: target.keyText,
            writeId: "(destroy)",
            reason: why,
          },
          cause: result.error,
        },
      );
    },
    () => {
      throw core.executor.failed("DeleteItem", last as Failed);
    },
  );
}

/** Refuses a new value whose key fields name another item: an atom's key never changes. */
export function assertSameKey(
  target: Target,
  value: unknown,
  item: Readonly<Record<string, AttributeValue>>,
): void {
  if (keyId(item) === keyId(target.key)) return;
  const { name } = target.definition;
  const given = keyText(keyFieldsOf(target.definition.key, value as Record<string, unknown>));
  const message = `the new value's key ${given} is not this atom's key; an atom's key never changes, so write the other atom instead`;
  throw new ValidationError(`Atom "${name}" ${target.keyText}: ${message}. Nothing was written.`, {
    details: { atom: name, issues: [{ message }] },
  });
}
