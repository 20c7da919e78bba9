import { type AttributeValue, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { NOTE_ATTRIBUTE } from "../encoding/index.js";
import { ValidationError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import { type RetryPolicy, within } from "../executor/policy.js";
import { afterRefusal } from "../protocol/settle.js";
import { afterWrite, bookkeeping, live, type Seen, seenFrom, ttlIn } from "../protocol/state.js";
import { getAtom, putAtom } from "../requests/atom.js";
import { newWriteId, nextWriteIds } from "../schema/bookkeeping.js";
import { formatKey, pickKeyFields, tableKeyId } from "../schema/keys.js";
import { readProjections } from "../schema/projection.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { conflictVerdict, gaveUp, outcomeUnknown } from "./outcome.js";

/**
 * The longest backoff after which a state learned from a refused write is still written on;
 * after a longer one (contention), the item is read again first. The backoff chosen, not the
 * time that passed: a slow machine must not change which requests a swap sends.
 */
export const AGED_MS = 25;

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
  /**
   * The version this write made, when it wrote: after a lost answer the item read back may
   * show a later one (`seen`), written on top of it by another process.
   */
  readonly made?: number;
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

/** One change of a combined write: what it decides, and its value while the item is absent. */
export interface Change {
  /**
   * Decides on the current value; `version` is the stored version that value has, or undefined
   * when an earlier change of the same write went before this one (its state has no version).
   */
  readonly decide: (current: unknown, version: number | undefined) => Decision;
  /** The handle's `init`: what `decide` gets while the item is absent. */
  readonly initial: unknown;
  /**
   * How the change is written when no other waits to be combined with it, if not as a swap
   * (an update's one UpdateItem): from the state known, if any.
   */
  readonly alone?: (start: Seen | undefined) => Promise<Applied>;
  /**
   * Written by a write of its own, never combined: for a caller told the version its value got
   * (a combined write gives every change one version, though only the last value is stored).
   */
  readonly solo?: boolean;
}

/** What became of one change of a combined write. */
export type Outcome =
  | { readonly ok: true; readonly applied: Applied }
  | { readonly ok: false; readonly error: unknown };

/** A change's part in the write being planned. */
type Draft =
  | { readonly kind: "write"; readonly old: unknown; readonly value: unknown }
  | { readonly kind: "stop"; readonly old: unknown }
  | { readonly kind: "error"; readonly error: unknown };

interface Plan {
  readonly drafts: readonly Draft[];
  /** The item of the last value written, or undefined when no change writes. */
  readonly item: Record<string, AttributeValue> | undefined;
  readonly value: unknown;
}

/**
 * Runs the changes in order on `seen`'s value, each on the value the one before left: the
 * values a combined write would take the atom through. Validation and encoding happen here,
 * before anything is sent; a change that throws or is refused fails alone.
 */
function plan(target: Target, seen: Seen, changes: readonly Change[]): Plan {
  const { definition } = target;
  let exists = live(seen);
  let value = seen.value;
  let item: Record<string, AttributeValue> | undefined;
  const drafts = changes.map((change): Draft => {
    const current = exists ? value : change.initial;
    try {
      const decision = change.decide(current, item === undefined ? seen.version : undefined);
      if ("stop" in decision) return { kind: "stop", old: current };
      const prepared =
        decision.prepared ?? definition.prepare(decision.write as never, current as never);
      assertSameKey(target, prepared.value, prepared.item);
      exists = true;
      value = prepared.value;
      item = prepared.item;
      return { kind: "write", old: current, value: prepared.value };
    } catch (error) {
      return { kind: "error", error };
    }
  });
  return { drafts, item, value };
}

interface Pending {
  readonly writeId: string;
  /** The write ids it stores: the basis's, then its own. */
  readonly writes: readonly string[];
  readonly basis: Seen;
  readonly plan: Plan;
  readonly item: Record<string, AttributeValue>;
  /** Whether an earlier send of this very write may have been applied. */
  uncertain: boolean;
}

/**
 * Each change's outcome once its write is done (or none was needed), all seeing `seen`; `made`,
 * the version the write made.
 */
function outcomes(plan: Plan, seen: Seen, made?: number): Outcome[] {
  return plan.drafts.map((draft): Outcome => {
    if (draft.kind === "error") return { ok: false, error: draft.error };
    if (draft.kind === "stop") {
      return { ok: true, applied: { written: false, old: draft.old, value: draft.old, seen } };
    }
    const applied = { written: true, old: draft.old, value: draft.value, seen };
    return { ok: true, applied: made === undefined ? applied : { ...applied, made } };
  });
}

/**
 * Applies the changes, in order, to the atom exactly once, with ONE conditional write of the
 * value the last of them leaves, on the state they were computed from. A conflict returns the
 * current item with the failure (ALL_OLD), so they run again on it with no read. A lost answer
 * is settled at once: the same write is sent again without a backoff (both are conditional on
 * one state, so at most one can apply, and the item's write ids tell whether it was ours), or
 * the item is read. When that cannot be told, `OutcomeUnknownError`; never twice.
 *
 * Each change gets its own outcome: a change whose function throws, or whose value is refused,
 * fails alone. Failures of the write itself (contention to the end, a request failure, an
 * unknown outcome) reject the whole call: they are every change's.
 */
export async function applyAll(
  target: Target,
  start: Seen | undefined,
  changes: readonly Change[],
): Promise<Outcome[]> {
  const { core, definition, retry } = target;
  let seen = start;
  // A decision not to write, and an error, must rest on the stored value, never on a stale one.
  let fresh = start === undefined;
  let pending: Pending | undefined;
  let last: Failed | undefined;
  // Whether the state to write on was learned from a refused write (its ALL_OLD item).
  let learnedConflict = false;
  return retrying<Outcome[]>(
    retry,
    async (clock) => {
      // The first read counts against the call's deadline too.
      seen ??= await readSeen(target, clock.left());
      if (pending === undefined && learnedConflict && clock.waitedMs > AGED_MS) {
        // Other writers went on while this one backed off. A write on that aged state would
        // conflict anyway, and if its answer were lost, its slot could have left the item's
        // write ids before the resend: read instead, so every write goes out on a recent state.
        seen = await readSeen(target, clock.left());
        fresh = true;
      }
      learnedConflict = false;
      if (pending === undefined) {
        const planned = plan(target, seen, changes);
        const failing = planned.drafts.some((draft) => draft.kind === "error");
        if (!fresh && (failing || planned.item === undefined)) {
          seen = await readSeen(target, clock.left());
          fresh = true;
          return { again: "a stale cached value", now: true };
        }
        if (planned.item === undefined) return { done: outcomes(planned, seen) };
        const writeId = newWriteId();
        const writes = nextWriteIds(seen.writes, writeId);
        pending = {
          writeId,
          writes,
          basis: seen,
          plan: planned,
          item: { ...planned.item, ...bookkeeping(seen, writeId, writes) },
          uncertain: false,
        };
      }
      const sent = pending;
      const result = await core.executor.attempt(
        new PutItemCommand(putAtom(core.table, sent.item, sent.basis)),
        clock.left(),
      );
      if (result.ok) {
        const after: Seen = {
          ...afterWrite(sent.basis, sent.writeId, sent.plan.value, sent.writes),
          stored: { note: sent.item[NOTE_ATTRIBUTE]?.S ?? null, schema: definition.version },
          ...ttlIn(definition, sent.item),
        };
        return { done: outcomes(sent.plan, after, after.version) };
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
        if (conflictVerdict(target, sent, current, result.error) === "applied")
          return { done: outcomes(sent.plan, current, sent.basis.version + 1) };
        seen = current;
        fresh = true;
        pending = undefined;
        learnedConflict = true;
      }
      // A lost answer is settled at once: every moment waited lets other writers push the
      // item past the write ids it keeps, and then nothing can tell.
      const now = result.mayHaveApplied && result.failure !== "conflict";
      return { again: result.failure, cause: result.error, now };
    },
    (run) => gaveUp(target, pending?.uncertain ? pending : undefined, last, run, "PutItem"),
  );
}

/**
 * After a send that may have applied, when sending again is refused or unsafe, the item says
 * whether it did: listed, the write succeeded (the state it shows is returned); provably not,
 * the refusal stands; otherwise the outcome is unknown.
 */
export async function settleByRead(
  target: Target,
  sent: { readonly basis: Seen; readonly writeId: string },
  err: unknown,
  leftMs: number,
  operation: string,
): Promise<Seen> {
  let current: Seen;
  try {
    current = await readSeen(target, leftMs);
  } catch (readErr) {
    throw outcomeUnknown(
      target,
      sent.writeId,
      readErr,
      `the item could not be read to tell (${String(err)})`,
    );
  }
  const verdict = afterRefusal(sent.basis, sent.writeId, current);
  if (verdict === "applied") return current;
  if (verdict === "not-applied") {
    throw target.core.executor.failed(operation, {
      ok: false,
      failure: "definite",
      error: err,
      mayHaveApplied: false,
    });
  }
  throw outcomeUnknown(
    target,
    sent.writeId,
    err,
    "the item does not show it, nor prove it never will",
  );
}

async function settle(
  target: Target,
  pending: Pending,
  err: unknown,
  leftMs: number,
): Promise<Outcome[]> {
  const seen = await settleByRead(target, pending, err, leftMs, "PutItem");
  return outcomes(pending.plan, seen, pending.basis.version + 1);
}

/** Refuses a new value whose key fields name another item: an atom's key never changes. */
export function assertSameKey(
  target: Target,
  value: unknown,
  item: Readonly<Record<string, AttributeValue>>,
): void {
  if (tableKeyId(item) === tableKeyId(target.key)) return;
  const { name } = target.definition;
  const given = formatKey(pickKeyFields(target.definition.key, value as Record<string, unknown>));
  const message = `the new value's key ${given} is not this atom's key; an atom's key never changes, so write the other atom instead`;
  throw new ValidationError(`Atom "${name}" ${target.keyText}: ${message}. Nothing was written.`, {
    details: { atom: name, issues: [{ message }] },
  });
}
