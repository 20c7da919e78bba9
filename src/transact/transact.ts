import { randomUUID } from "node:crypto";
import { type CancellationReason, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { readSeen } from "../atom/write.js";
import { itemSize } from "../encoding/index.js";
import { TransactionError, type TransactionOperationFailure } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import type { RetryOptions, RetryPolicy } from "../executor/policy.js";
import { afterConflict, type Verdict } from "../protocol/settle.js";
import { type Seen, seenFrom } from "../protocol/state.js";
import { transactWrite } from "../requests/transaction.js";
import type { StoreCore } from "../store/core.js";
import { type OpSpec, specOf, type Tx, type TxOp, txBuilder } from "./ops.js";
import {
  cancelled,
  checkBytes,
  checkShape,
  operationFailure,
  type Planned,
  plan,
  tableKeyOf,
} from "./plan.js";

/** DynamoDB honours a ClientRequestToken for 10 minutes; resends stop well within that. */
const TOKEN_WINDOW_MS = 9 * 60_000;

/** Options of `store.transact`. */
export interface TransactOptions {
  /** How conflicts are retried; over the store's `retry`. */
  readonly retry?: RetryOptions;
}

/** What a transaction returns: for each operation, in order, its result. */
export type TxResults<Ops extends readonly unknown[]> = {
  -readonly [I in keyof Ops]: Ops[I] extends TxOp<infer R> ? R : never;
};

/** A transaction as sent: its token, and whether an attempt may have committed. */
interface Sending {
  readonly planned: readonly Planned[];
  /** The state each swap and check was planned on. */
  readonly bases: readonly (Seen | undefined)[];
  readonly token: string;
  readonly firstSent: number;
  uncertain: boolean;
}

function outcomeUnknown(token: string, reason: string, cause: unknown): TransactionError {
  return new TransactionError(
    "transaction.outcome-unknown",
    `The transaction's outcome is unknown: ${reason}. It applied once or not at all, never ` +
      "twice: read its items before deciding what to do.",
    { details: { token, reason }, cause },
  );
}

/**
 * What a cancelled attempt tells about an earlier one of the same transaction. A swap's item
 * that lists the write id of this very plan shows an earlier commit (possible only if DynamoDB
 * ran a resend as a new transaction); a swap whose item shows another write in our slot proves
 * it never committed (an item still as planned proves only that it has not yet: an attempt cut
 * by a timeout may still land). A transaction is all or nothing, so
 * one item settles it; after an attempt that may have committed, no proof means unknown.
 */
function earlierAttempt(
  specs: readonly OpSpec[],
  sent: Sending,
  reasons: readonly CancellationReason[],
): Verdict {
  let verdict: Verdict = sent.uncertain ? "unknown" : "not-applied";
  for (const [i, reason] of reasons.entries()) {
    const spec = specs[i];
    const writeId = sent.planned[i]?.writeId;
    const basis = sent.bases[i];
    if (spec?.kind !== "swap" || writeId === undefined || basis === undefined) continue;
    if (reason.Code !== "ConditionalCheckFailed") continue;
    const current = seenFrom(spec.internals.target.definition, reason.Item);
    const said = afterConflict(basis, writeId, true, current);
    if (said === "applied") return "applied";
    if (said === "not-applied") verdict = "not-applied";
  }
  return verdict;
}

/**
 * After a commit: every handle learns its new state first, then the watches run, so that a watch
 * that throws leaves no handle behind. The first watch error is thrown once all have run.
 */
function committed(specs: readonly OpSpec[], planned: readonly Planned[]): unknown[] {
  specs.forEach((spec, i) => {
    const after = planned[i]?.after;
    if ((spec.kind === "swap" || spec.kind === "check") && after !== undefined)
      spec.internals.saw(after);
  });
  let watchError: { readonly error: unknown } | undefined;
  specs.forEach((spec, i) => {
    const { change, after } = planned[i] ?? {};
    if (spec.kind !== "swap" || change === undefined || after === undefined) return;
    try {
      spec.internals.notify(change.old, change.value, after.version);
    } catch (error) {
      watchError ??= { error };
    }
  });
  if (watchError !== undefined) throw watchError.error;
  return planned.map((p) => p.result);
}

/**
 * Runs the operations `fn` returns as one DynamoDB transaction: all or nothing. Swaps and
 * checks are conditional on the version their function saw; when another writer gets there
 * first, or DynamoDB reports a conflict, the transaction runs again on fresh values, with
 * full-jitter backoff. A failed `ifAbsent`/`ifExists` or a false check cancels it, naming the
 * operation.
 */
export async function transact(
  core: StoreCore,
  retry: RetryPolicy,
  fn: (tx: Tx) => readonly unknown[],
): Promise<unknown[]> {
  const ops = fn(txBuilder(core));
  if (!Array.isArray(ops)) {
    const reason = "the transaction function must return an array of tx operations";
    throw new TransactionError(
      "transaction.invalid-operation",
      `store.transact: ${reason}; nothing was sent.`,
      { details: { reason } },
    );
  }
  const specs = ops.map((op, i) => {
    const spec = specOf(op);
    if (spec === undefined) {
      const reason = `element ${i} is not an operation made with tx (tx.put, tx.delete, tx.swap, tx.check)`;
      throw new TransactionError(
        "transaction.invalid-operation",
        `store.transact: ${reason}; nothing was sent.`,
        { details: { index: i, reason } },
      );
    }
    return spec;
  });
  checkShape(core, specs);
  if (specs.length === 0) return [];
  // Puts and deletes are known now: refuse an oversized transaction before reading any atom.
  const known = specs.reduce(
    (sum, spec) => sum + (spec.kind === "put" ? itemSize(spec.item) : itemSize(tableKeyOf(spec))),
    0,
  );
  checkBytes(known, specs.length);
  const states = specs.map((spec) =>
    spec.kind === "swap" || spec.kind === "check" ? spec.internals.seen : undefined,
  );
  // Whether each atom's state was read in this call: a decision not to go ahead (a false check,
  // a function that throws) must rest on the stored value, never on a stale cached one.
  const fresh = specs.map(() => false);
  let sending: Sending | undefined;
  let lastReasons: readonly CancellationReason[] = [];
  let last: Failed | undefined;
  return retrying<unknown[]>(
    retry,
    async (clock) => {
      if (sending === undefined) {
        await Promise.all(
          specs.map(async (spec, i) => {
            if ((spec.kind === "swap" || spec.kind === "check") && states[i] === undefined) {
              states[i] = await readSeen(spec.internals.target, clock.left());
              fresh[i] = true;
            }
          }),
        );
        const planned: Planned[] = [];
        let stale = false;
        for (const [i, spec] of specs.entries()) {
          try {
            planned.push(plan(core, spec, i, states[i]));
          } catch (err) {
            if ((spec.kind !== "swap" && spec.kind !== "check") || fresh[i]) throw err;
            states[i] = undefined;
            stale = true;
          }
        }
        if (stale) return { again: "a stale cached value", now: true };
        checkBytes(
          planned.reduce((sum, p) => sum + p.bytes, 0),
          planned.length,
        );
        // DynamoDB honours the token for 10 minutes: a resend of a transaction that had
        // committed answers success again instead of running twice.
        sending = {
          planned,
          bases: [...states],
          token: randomUUID(),
          firstSent: Date.now(),
          uncertain: false,
        };
      }
      const sent = sending;
      const result = await core.executor.attempt(
        new TransactWriteItemsCommand(
          transactWrite(
            sent.planned.map((p) => p.request),
            sent.token,
          ),
        ),
        clock.left(),
      );
      if (result.ok) return { done: committed(specs, sent.planned) };
      last = result;
      if (result.mayHaveApplied) sent.uncertain = true;
      const e = result.error as { name?: string; CancellationReasons?: CancellationReason[] };
      if (e.name !== "TransactionCanceledException") {
        if (result.failure === "definite") {
          if (!sent.uncertain) throw core.executor.failed("TransactWriteItems", result);
          throw outcomeUnknown(
            sent.token,
            `a resend was refused (${String(result.error)}) after an attempt that may have committed`,
            result.error,
          );
        }
        // Past the token's window a resend would run as a new transaction: stop before it.
        if (sent.uncertain && Date.now() - sent.firstSent > TOKEN_WINDOW_MS) {
          throw outcomeUnknown(sent.token, "the answer was lost for too long", result.error);
        }
        return { again: result.failure, cause: result.error };
      }
      const reasons = e.CancellationReasons ?? [];
      const before = earlierAttempt(specs, sent, reasons);
      if (before === "applied") return { done: committed(specs, sent.planned) };
      if (before === "unknown") {
        throw outcomeUnknown(
          sent.token,
          "a resend was cancelled after an attempt that may have committed, and its items no longer tell",
          result.error,
        );
      }
      sending = undefined;
      lastReasons = reasons;
      const failures: TransactionOperationFailure[] = [];
      let conflict = false;
      reasons.forEach((reason, i) => {
        const spec = specs[i];
        if (spec === undefined || reason.Code === undefined || reason.Code === "None") return;
        if (reason.Code === "ConditionalCheckFailed") {
          if (spec.kind === "swap" || spec.kind === "check") {
            // Another writer got there first: run again on the value it left (ALL_OLD).
            const current = seenFrom(spec.internals.target.definition, reason.Item);
            states[i] = current;
            fresh[i] = true;
            spec.internals.saw(current);
            conflict = true;
          } else {
            const why =
              spec.kind === "put"
                ? "the item already exists (ifAbsent)"
                : "there is no such item (ifExists)";
            failures.push(operationFailure(spec, i, why));
          }
        } else if (
          reason.Code === "TransactionConflict" ||
          reason.Code === "ThrottlingError" ||
          reason.Code === "ProvisionedThroughputExceeded"
        ) {
          conflict = true;
        } else {
          failures.push(
            operationFailure(spec, i, `${reason.Code}: ${reason.Message ?? ""}`.trim()),
          );
        }
      });
      if (failures.length > 0) throw cancelled(failures);
      if (!conflict) {
        throw new TransactionError(
          "transaction.cancelled",
          "DynamoDB cancelled the transaction without naming an operation; nothing was written.",
          { details: { failures: [] } },
        );
      }
      return { again: "conflict", cause: result.error };
    },
    ({ attempts, elapsedMs, cause }) => {
      if (sending?.uncertain) {
        throw outcomeUnknown(sending.token, "the answer was lost and the retries ran out", cause);
      }
      if (last !== undefined && last.failure !== "definite" && lastReasons.length === 0) {
        throw core.executor.failed("TransactWriteItems", last);
      }
      throw new TransactionError(
        "transaction.conflict",
        `The transaction gave up after ${attempts} attempts in ${elapsedMs} ms of conflicts; nothing ` +
          `was written (last reasons: ${lastReasons.map((r) => r.Code ?? "None").join(", ")}). Raise retry.maxAttempts or retry.deadlineMs, or spread the load.`,
        { details: { attempts, elapsedMs }, retryable: true },
      );
    },
  );
}
