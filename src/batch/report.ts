import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Fields } from "../encoding/item.js";
import { BatchIncompleteError, DynatomError } from "../errors/index.js";
import { requestFailed } from "../executor/classify.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import type { BatchOutcome } from "./run.js";

/** The error for a batch call that left keys undone: exactly those keys, and why. */
export function incomplete<E>(
  core: StoreCore,
  atom: string,
  operation: "findItems" | "putItems" | "deleteItems" | "restoreItems",
  outcome: BatchOutcome<E>,
  fieldsOf: (entry: E) => Fields,
): BatchIncompleteError {
  const failed = outcome.failed.map(fieldsOf);
  const reason = outcome.reason ?? "unknown";
  const verb = operation === "findItems" ? "read" : "written";
  // An error from the SDK becomes ours; one from the caller's own `onProgress` stays as it is.
  const fromSdk =
    typeof outcome.cause === "object" && outcome.cause !== null && "$metadata" in outcome.cause;
  const cause = fromSdk ? requestFailed(outcome.cause, operation, core.table) : outcome.cause;
  const next = outcome.stopped
    ? "Mend the cause (see `cause`), then try them again."
    : "Try them again later.";
  const unknown = outcome.unknown.length;
  const total = failed.length + unknown + outcome.done;
  const maybe =
    unknown === 0
      ? ""
      : ` ${unknown} more may or may not have been: an answer was lost and the table cannot ` +
        "tell (`details.unknown`); they were not sent again, so as not to undo a later write.";
  return new BatchIncompleteError(
    `${operation}(${atom}) on table "${core.table}": ${failed.length} of ${total} keys were ` +
      `not ${verb} (${reason}), \`details.failed\` lists exactly those.${maybe} Every other ` +
      `key was ${verb}. ${next}`,
    {
      details: {
        atom,
        operation,
        failed,
        unknown: outcome.unknown.map(fieldsOf),
        succeeded: outcome.done,
        reason,
      },
      // Sending keys of unknown outcome again could undo a later write: read them first.
      retryable: !outcome.stopped && outcome.unknown.length === 0,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Prefixes a dynatom error's message with where in the call it comes from, e.g. `values[9999]`. */
export function at(err: unknown, where: string): unknown {
  if (err instanceof DynatomError) err.message = `${where}: ${err.message}`;
  return err;
}

/** The table key of one key given to a batch call; a bad key names its position. */
export function tableKeyAt(
  definition: AtomDefinition,
  fields: Readonly<Record<string, unknown>>,
  where: string,
): Record<string, AttributeValue> {
  try {
    return definition.keyOf(fields as never);
  } catch (err) {
    throw at(err, where);
  }
}
