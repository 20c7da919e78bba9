import {
  type AttributeValue,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { conflictVerdict, gaveUp } from "../atom/outcome.js";
import {
  AGED_MS,
  type Applied,
  applyAll,
  type Change,
  settleByRead,
  type Target,
} from "../atom/write.js";
import { DynatomError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import { within } from "../executor/policy.js";
import { type Compiled, compileFilter } from "../filter/compile.js";
import { evaluate } from "../filter/evaluate.js";
import type { Cond } from "../filter/where.js";
import { bookkeeping, live, type Seen, seenFrom } from "../protocol/state.js";
import { getAtom } from "../requests/atom.js";
import { updateAtom } from "../requests/update.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  newWriteId,
  nextWriteIds,
  WRITE_IDS_ATTRIBUTE,
} from "../schema/bookkeeping.js";
import { pickKeyFields } from "../schema/keys.js";
import { drifted } from "./drift.js";
import { planFast } from "./fast.js";
import { BOOKKEEPING, fullyKnown, knownFrom, recalled, remember } from "./known.js";
import { applyOps, invalidUpdate, type Ops } from "./ops.js";

/** What an update does: its operations, its condition, and whether it may make the item. */
export interface UpdateSpec {
  readonly ops: Ops;
  readonly where: Cond | undefined;
  readonly upsert: boolean;
  /** The key fields, as given: what an upsert starts the value from. */
  readonly keyFields: Readonly<Record<string, unknown>>;
}

function failure(
  target: Target,
  code: "update.not-found" | "update.condition-failed",
): DynatomError {
  const { name } = target.definition;
  const what =
    code === "update.not-found"
      ? "the item is absent; create it first, or call .upsert() to let the update make it"
      : "its where condition is false on the stored value";
  return new DynatomError(code, `Atom "${name}" ${target.keyText}: nothing was updated: ${what}.`, {
    details: { atom: name, key: target.keyText },
  });
}

/**
 * The update as a change of the value, for a swap: what it runs as when it needs the stored
 * value, and when other changes to the same atom are waiting to be combined with it.
 */
export function updateChange(target: Target, spec: UpdateSpec): Change {
  const absent = Symbol("absent");
  const subject = { atom: target.definition.name, key: target.keyText };
  return {
    initial: absent,
    decide(current) {
      if (current === absent && !spec.upsert) throw failure(target, "update.not-found");
      const value =
        current === absent
          ? pickKeyFields(target.definition.key, spec.keyFields)
          : (current as Record<string, unknown>);
      if (spec.where !== undefined && !evaluate(spec.where, current === absent ? undefined : value))
        throw failure(target, "update.condition-failed");
      return {
        write: applyOps(value, spec.ops, (field, reason) => invalidUpdate(subject, field, reason)),
      };
    },
  };
}

/**
 * Applies an update exactly once, as ONE UpdateItem when it can: on the state the store last
 * saw of the item (else on its bookkeeping, read without the value), conditional on that state
 * as a swap's write is, so lost answers settle as a swap's do. Where it needs the stored value
 * (see `planFast`), or its condition cannot be tested by DynamoDB exactly, it runs as a swap.
 */
export async function updateAlone(
  target: Target,
  spec: UpdateSpec,
  start: Seen | undefined,
): Promise<Applied> {
  const { core, definition } = target;
  const subject = { atom: definition.name, key: target.keyText };
  const change = updateChange(target, spec);
  const asSwap = async (from: Seen | undefined): Promise<Applied> => {
    const [outcome] = await applyAll(target, from, [change]);
    if (outcome === undefined) throw new Error("an update lost its outcome");
    if (!outcome.ok) throw outcome.error;
    const known = fullyKnown(outcome.applied.seen);
    if (known !== undefined) remember(target, known);
    return outcome.applied;
  };
  let known = (start && fullyKnown(start)) ?? recalled(target);
  // A remembered value may be stale: a condition is only decided on a value read just now.
  if (known !== undefined) known = { ...known, valueRead: false };
  let learnedConflict = false;
  /** The outcome of a write that applied, on the state it shows (remembered for the next). */
  const applied = (seen: Seen): { done: Applied } => {
    const after = fullyKnown(seen);
    if (after !== undefined) remember(target, after);
    return { done: { written: true, old: undefined, value: seen.value, seen } };
  };
  /**
   * The outcome of a write that applied, from the item it left. Its state is taken before its
   * value is decoded: a value that cannot be read (a field another tool wrote) must not make an
   * applied update look failed, and be sent again.
   */
  const appliedItem = (item: Record<string, AttributeValue> | undefined): { done: Applied } => {
    remember(target, knownFrom(target, item));
    try {
      const seen = seenFrom(definition, item);
      // An item that expired since still holds the value this update left: that is its result.
      if (item !== undefined && seen.value === undefined)
        return applied({ ...seen, value: definition.decode(item) });
      return applied(seen);
    } catch (error) {
      if (error instanceof DynatomError) {
        error.message = `The update was applied, but the new value cannot be read: ${error.message}`;
      }
      throw error;
    }
  };
  /** Applied, as a read told: an item expired since is read whole, for the value it holds. */
  const settled = async (seen: Seen, leftMs: number): Promise<{ done: Applied }> => {
    if (!seen.exists || seen.value !== undefined) return applied(seen);
    const { Item: item } = await core.executor.read(
      () => new GetItemCommand(getAtom(core.table, target.key)),
      within(target.retry, leftMs),
    );
    return appliedItem(item);
  };
  const subsetWhere =
    spec.where === undefined ? true : compileFilter(definition, spec.where, "subset");
  let pending:
    | { writeId: string; basis: Seen; input: ReturnType<typeof updateAtom>; uncertain: boolean }
    | undefined;
  let last: Failed | undefined;
  let slow: Seen | null | undefined;
  let rewrite: Seen | undefined;
  const result = await retrying<Applied | "slow">(
    target.retry,
    async (clock) => {
      // After a long backoff under contention the state learned is old: read it again, so that
      // a write whose answer is lost goes out on a recent state (as a swap's does).
      if (pending === undefined && learnedConflict && clock.waitedMs > AGED_MS) known = undefined;
      learnedConflict = false;
      if (known === undefined) {
        const { Item: item } = await core.executor.read(
          () => new GetItemCommand(getAtom(core.table, target.key, BOOKKEEPING)),
          within(target.retry, clock.left()),
        );
        known = knownFrom(target, item);
      }
      if (pending === undefined) {
        const { seen } = known;
        if (!live(seen)) {
          // Absent is a whole state: the swap decides on it (and reads only to fail).
          slow = seen;
          return { done: "slow" };
        }
        let where: Compiled | undefined;
        if (spec.where !== undefined && known.valueRead) {
          if (!evaluate(spec.where, seen.value)) throw failure(target, "update.condition-failed");
        } else if (subsetWhere === false) {
          // DynamoDB cannot test this condition exactly: it is tested on the value, as a swap.
          slow = known.valueRead ? seen : undefined;
          return { done: "slow" };
        } else if (typeof subsetWhere === "object") where = subsetWhere;
        const plan = planFast(definition, subject, seen.stored, spec.ops);
        if ("slow" in plan) {
          slow = known.valueRead ? seen : undefined;
          return { done: "slow" };
        }
        const writeId = newWriteId();
        const written = bookkeeping(seen, writeId, nextWriteIds(seen.writes, writeId));
        pending = {
          writeId,
          basis: seen,
          uncertain: false,
          input: updateAtom(
            core.table,
            target.key,
            plan.changes,
            seen,
            {
              version: written[ATOM_VERSION_ATTRIBUTE] as AttributeValue,
              writes: written[WRITE_IDS_ATTRIBUTE] as AttributeValue,
            },
            where,
          ),
        };
      }
      const sent = pending;
      const attempted = await core.executor.attempt<UpdateItemCommandOutput>(
        new UpdateItemCommand(sent.input),
        clock.left(),
      );
      if (attempted.ok) {
        const item = attempted.output.Attributes;
        const done = appliedItem(item);
        // DynamoDB adds in decimal: a sum with more digits than a double holds is stored as
        // text that reads as another number. It is written again as it reads (once, on this
        // very state), so that what is stored is what dynatom would store.
        if (drifted(spec.ops, item)) rewrite = done.done.seen;
        return done;
      }
      last = attempted;
      if (attempted.mayHaveApplied) sent.uncertain = true;
      if (attempted.failure === "definite") {
        if (sent.uncertain)
          return settled(
            await settleByRead(target, sent, attempted.error, clock.left(), "UpdateItem"),
            clock.left(),
          );
        // Refused as a request (a sum past what DynamoDB holds, an item grown past 400 KB, a
        // stored form the operation cannot extend): nothing applied; the swap says what is wrong.
        if (isValidation(attempted.error)) {
          slow = undefined;
          return { done: "slow" };
        }
        throw core.executor.failed("UpdateItem", attempted);
      }
      if (sent.uncertain && sent.basis.writes.length === 0 && attempted.failure !== "conflict")
        return settled(
          await settleByRead(target, sent, attempted.error, clock.left(), "UpdateItem"),
          clock.left(),
        );
      if (attempted.failure === "conflict") {
        const item = (attempted.error as { Item?: Record<string, AttributeValue> }).Item;
        // Whether it applied is told by the bookkeeping alone, before the value is decoded.
        const bare = knownFrom(target, item).seen;
        if (conflictVerdict(target, sent, bare, attempted.error) === "applied")
          return appliedItem(item);
        pending = undefined;
        const current = seenFrom(definition, item);
        const same =
          current.exists &&
          current.version === sent.basis.version &&
          current.writes.at(-1) === sent.basis.writes.at(-1);
        known = fullyKnown(current) ?? knownFrom(target, item);
        remember(target, known);
        learnedConflict = true;
        // The state held: the condition or a guard refused it. The value read tells which.
        if (!live(current)) {
          slow = current;
          return { done: "slow" };
        }
        if (same && spec.where !== undefined && !evaluate(spec.where, current.value))
          throw failure(target, "update.condition-failed");
        if (same) {
          slow = current;
          return { done: "slow" };
        }
      }
      // A lost answer is settled at once, as a swap's is.
      const now = attempted.mayHaveApplied && attempted.failure !== "conflict";
      return { again: attempted.failure, cause: attempted.error, now };
    },
    (run) => gaveUp(target, pending?.uncertain ? pending : undefined, last, run, "UpdateItem"),
  );
  if (result !== "slow") {
    if (rewrite === undefined) return result;
    // The update applied: whatever becomes of this rewrite, it is reported applied.
    try {
      const [outcome] = await applyAll(target, rewrite, [
        {
          decide: (current) => (current === undefined ? { stop: true } : { write: current }),
          initial: undefined,
        },
      ]);
      if (!outcome?.ok) return result;
      const known = fullyKnown(outcome.applied.seen);
      if (known !== undefined) remember(target, known);
      return { ...outcome.applied, written: true };
    } catch {
      return result;
    }
  }
  return asSwap(slow ?? undefined);
}

function isValidation(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "ValidationException";
}
