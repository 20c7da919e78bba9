import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  isDynatomError,
  OutcomeUnknownError,
  SwapConflictError,
  ValidationError,
} from "../errors/index.js";
import { newWriteId } from "../schema/bookkeeping.js";
import { keyFieldsOf, keyId, keyText } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { afterSeveralAttempts, classify, type Failure, requestFailed } from "../store/errors.js";
import { backoff, type RetryPolicy } from "../store/retry.js";
import {
  afterWrite,
  bookkeeping,
  conditionOn,
  provablyNotApplied,
  type Seen,
  seenFrom,
} from "./state.js";

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
 * simply read again, with backoff, under the atom's retry policy.
 */
export async function readSeen(target: Target): Promise<Seen> {
  const { core, retry } = target;
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await core.run("GetItem", (client) =>
        client.send(
          new GetItemCommand({ TableName: core.table, Key: target.key, ConsistentRead: true }),
        ),
      ));
    } catch (err) {
      // Only a failed request that may succeed again is read again: not a closed store, a
      // missing table, or an error raised before sending (no credentials).
      const failure =
        isDynatomError(err, "store.request-failed") && err.retryable
          ? classify(err.cause)
          : undefined;
      const delay =
        failure === "throttled" || failure === "unknown"
          ? backoff(retry, attempt, startedAt)
          : undefined;
      if (delay === undefined) throw err;
      await sleep(delay);
      continue;
    }
    return seenFrom(target.definition, item);
  }
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
  const startedAt = Date.now();
  let seen = start ?? (await readSeen(target));
  // A decision not to write must rest on the stored value, never on a stale cached one.
  let fresh = start === undefined;
  const client: DynamoDBClient = await core.client();
  let pending: Pending | undefined;
  for (let attempt = 1; ; attempt++) {
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
            : (decision.prepared ?? definition.prepare(decision.write as never, current as never));
        if (!("stop" in decision)) assertSameKey(target, prepared.value, prepared.item);
      } catch (err) {
        // A function that throws, or a value refused, is reported only on the stored value.
        if (fresh) throw err;
        seen = await readSeen(target);
        fresh = true;
        continue;
      }
      if ("stop" in decision) {
        if (fresh) return { written: false, old: current, value: current, seen };
        seen = await readSeen(target);
        fresh = true;
        continue;
      }
      const { value, item } = prepared;
      const writeId = newWriteId();
      pending = {
        writeId,
        basis: seen,
        old: current,
        value,
        item: { ...item, ...bookkeeping(seen, writeId) },
        uncertain: false,
      };
    }
    let failure: Failure;
    try {
      await client.send(
        new PutItemCommand({
          TableName: core.table,
          Item: pending.item,
          ...conditionOn(pending.basis),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return {
        written: true,
        old: pending.old,
        value: pending.value,
        seen: afterWrite(pending.basis, pending.writeId, pending.value),
      };
    } catch (err) {
      failure = classify(err);
      if (afterSeveralAttempts(err)) pending.uncertain = true;
      if (failure === "definite") {
        if (!pending.uncertain) throw requestFailed(err, "PutItem", core.table);
        return settle(target, pending, err);
      }
      if (failure === "conflict") {
        const current = seenFrom(
          definition,
          (err as { Item?: Record<string, AttributeValue> }).Item,
        );
        const uncertain = pending.uncertain;
        if (current.writes.includes(pending.writeId)) {
          return { written: true, old: pending.old, value: pending.value, seen: current };
        }
        if (uncertain && !provablyNotApplied(pending.basis, current)) {
          throw unknown(
            target,
            pending,
            err,
            "the item has since moved on past the write ids it keeps (or was deleted)",
          );
        }
        seen = current;
        fresh = true;
        pending = undefined;
      } else if (failure === "unknown") {
        pending.uncertain = true;
      }
      const delay = backoff(retry, attempt, startedAt);
      if (delay === undefined) {
        if (pending?.uncertain)
          throw unknown(target, pending, err, "the retries ran out before DynamoDB answered");
        throw new SwapConflictError(
          `Atom "${definition.name}" ${target.keyText}: gave up after ${attempt} attempts in ` +
            `${Date.now() - startedAt} ms of contention; nothing was written. Raise retry.maxAttempts ` +
            "or retry.deadlineMs, or spread the load over more atoms.",
          {
            details: {
              atom: definition.name,
              key: target.keyText,
              attempts: attempt,
              elapsedMs: Date.now() - startedAt,
            },
            retryable: true,
            cause: err,
          },
        );
      }
      await sleep(delay);
    }
  }
}

/**
 * A definite refusal after a send that may have applied: the item says whether it did. Listed,
 * the swap succeeded; provably not, the refusal stands; otherwise the outcome is unknown.
 */
async function settle(target: Target, pending: Pending, err: unknown): Promise<Applied> {
  let current: Seen;
  try {
    current = await readSeen(target);
  } catch (readErr) {
    throw unknown(
      target,
      pending,
      readErr,
      `a resend was refused (${String(err)}) and the item could not be read`,
    );
  }
  if (current.writes.includes(pending.writeId)) {
    return { written: true, old: pending.old, value: pending.value, seen: current };
  }
  // An item still at the basis proves only that the write has not applied yet (an attempt cut
  // by a timeout may still land): only another write in its slot proves it never will.
  if (current.version > pending.basis.version && provablyNotApplied(pending.basis, current)) {
    throw requestFailed(err, "PutItem", target.core.table);
  }
  throw unknown(target, pending, err, "a resend was refused and the item no longer shows it");
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
