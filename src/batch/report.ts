import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { BatchIncompleteError, DynatomError } from "../errors/index.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { requestFailed } from "../store/errors.js";
import type { BatchOutcome } from "./run.js";

type Fields = Readonly<Record<string, unknown>>;

/** The error for a batch call that left keys undone: exactly those keys, and why. */
export function incomplete<E>(
  core: StoreCore,
  atom: string,
  operation: "findItems" | "putItems" | "deleteItems",
  outcome: BatchOutcome<E>,
  fieldsOf: (entry: E) => Fields,
): BatchIncompleteError {
  const failed = outcome.failed.map(fieldsOf);
  const reason = outcome.reason ?? "unknown";
  const verb = operation === "findItems" ? "read" : "written";
  const cause =
    outcome.cause === undefined ? undefined : requestFailed(outcome.cause, operation, core.table);
  return new BatchIncompleteError(
    `${operation}(${atom}) on table "${core.table}": ${failed.length} of ` +
      `${failed.length + outcome.done} keys were not ${verb} (${reason}); every other key was. ` +
      "`details.failed` lists exactly those keys: try them again later.",
    {
      details: { atom, operation, failed, succeeded: outcome.done, reason },
      retryable: true,
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
export function keyAt(
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
