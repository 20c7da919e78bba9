import { type AttributeValue, DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { conflictVerdict, gaveUp, outcomeUnknown } from "../atom/outcome.js";
import { readSeen, type Target } from "../atom/write.js";
import type { DynatomError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import { live, provablyNotApplied, type Seen, seenFrom } from "../protocol/state.js";
import { conditionOn } from "../requests/conditions.js";

/** What a delete found: whether a live value was there, and the state it removed. */
export interface Removed {
  readonly existed: boolean;
  /** The state the delete was decided on (its value, for a blob's chunks). */
  readonly basis: Seen;
}

/** Why a delete is refused on the state it sees, if it is. */
export type Refusal = (seen: Seen) => DynatomError | undefined;

/**
 * Deletes an item only in the state it was decided on (its version and last write), so that a
 * lost answer can be sent again: a resend cannot delete a value written since. The decision
 * rests on the stored state: a refusal made on a cached one is checked by a read first.
 *
 * After a lost answer, an item found absent was deleted, by this call or by another at the same
 * moment; both then answer that it existed. An item made again since, whose history does not
 * show whether this delete applied, is `OutcomeUnknownError`: never deleted twice.
 */
export async function removeIf(
  target: Target,
  start: Seen | undefined,
  refuse: Refusal,
): Promise<Removed> {
  const { core, definition } = target;
  let seen = start;
  let fresh = start === undefined;
  let pending:
    | { basis: Seen; writeId: string; uncertain: boolean; mayLandLater: boolean }
    | undefined;
  let last: Failed | undefined;
  return retrying<Removed>(
    target.retry,
    async (clock) => {
      seen ??= await readSeen(target, clock.left());
      if (pending === undefined) {
        const refusal = refuse(seen);
        if ((refusal !== undefined || !live(seen)) && !fresh) {
          seen = await readSeen(target, clock.left());
          fresh = true;
          return { again: "a stale cached state", now: true };
        }
        if (refusal !== undefined) throw refusal;
        if (!live(seen)) return { done: { existed: false, basis: seen } };
        pending = { basis: seen, writeId: "(delete)", uncertain: false, mayLandLater: false };
      }
      const sent = pending;
      const result = await core.executor.attempt(
        new DeleteItemCommand({
          TableName: core.table,
          Key: target.key,
          ...conditionOn(sent.basis),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        clock.left(),
      );
      if (result.ok) return { done: { existed: true, basis: sent.basis } };
      last = result;
      if (result.mayHaveApplied) sent.uncertain = true;
      if (result.mayLandLater) sent.mayLandLater = true;
      if (result.failure === "conflict") {
        const item = (result.error as { Item?: Record<string, AttributeValue> }).Item;
        const current = seenFrom(definition, item);
        if (sent.uncertain && !current.exists)
          return { done: { existed: true, basis: sent.basis } };
        // Written on since: this delete did not apply, and never will.
        conflictVerdict(target, sent, current, result.error);
        seen = current;
        fresh = true;
        pending = undefined;
        return { again: "conflict", cause: result.error };
      }
      // Sent again, a delete on a state with no write id (an item another tool wrote) would
      // delete that tool's next write too: its condition holds for it. The item tells instead.
      const unguarded = sent.uncertain && sent.basis.writes.length === 0;
      if (result.failure === "definite" || unguarded) {
        if (!sent.uncertain) throw core.executor.failed("DeleteItem", result);
        const current = await readSeen(target, clock.left()).catch(() => undefined);
        if (current !== undefined && !current.exists && !sent.mayLandLater)
          return { done: { existed: true, basis: sent.basis } };
        if (current !== undefined && provablyNotApplied(sent.basis, current))
          throw core.executor.failed("DeleteItem", result);
        throw outcomeUnknown(target, sent.writeId, result.error, "the item does not tell");
      }
      return {
        again: result.failure,
        cause: result.error,
        now: result.mayHaveApplied && result.failure !== "throttled",
      };
    },
    (run) => gaveUp(target, pending?.uncertain ? pending : undefined, last, run, "DeleteItem"),
  );
}
