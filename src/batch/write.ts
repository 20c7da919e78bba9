import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { Fields, Item } from "../encoding/item.js";
import { DynatomError } from "../errors/index.js";
import type { Attempted } from "../executor/attempt.js";
import { batchDeleteVerdict, batchPutVerdict } from "../protocol/settle.js";
import { batchWrite, batchWriteIds, WRITE_CHUNK } from "../requests/batch.js";
import { blindWriteBookkeeping, writeIdsIn } from "../schema/bookkeeping.js";
import { formatKey, pickKeyFields, tableKeyId } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { type BatchWriteOptions, batchSettings } from "./options.js";
import { at, incomplete, tableKeyAt } from "./report.js";
import { runBatch, type Settled } from "./run.js";

interface Write {
  readonly id: string;
  readonly request: WriteRequest;
  readonly fields: Fields;
}

/**
 * Sends the writes through the batch machinery. `settles`: after a lost answer, read the table
 * before sending again (putItems, deleteItems); without it everything is simply sent again,
 * which only writes that may land twice can afford (restoreItems).
 */
async function writeAll(
  core: StoreCore,
  definition: AtomDefinition,
  operation: "putItems" | "deleteItems" | "restoreItems",
  writes: readonly Write[],
  options: BatchWriteOptions,
  settles = true,
): Promise<void> {
  const { concurrency, retry } = batchSettings(definition.name, operation, options);
  const total = writes.length;
  const { onProgress } = options;
  const outcome = await runBatch({
    entries: writes,
    idOf: (write) => write.id,
    chunkSize: WRITE_CHUNK,
    concurrency,
    retry,
    ...(onProgress === undefined ? {} : { onDone: (done: number) => onProgress({ done, total }) }),
    attempt: async (entries, leftMs) => {
      const answer = await core.executor.attempt(
        new BatchWriteItemCommand(
          batchWrite(
            core.table,
            entries.map((write) => write.request),
          ),
        ),
        leftMs,
      );
      if (!answer.ok) return answer;
      const unprocessed = answer.output.UnprocessedItems?.[core.table] ?? [];
      const ids = unprocessed.map((request) =>
        tableKeyId((request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Item),
      );
      return { ok: true, output: ids };
    },
    ...(settles
      ? {
          settle: (entries: readonly Write[], leftMs: number, mayLandLater: boolean) =>
            settle(core, entries, leftMs, mayLandLater),
        }
      : {}),
  });
  // A stop (a refusal, or onProgress throwing) fails the call even when every key got done.
  if (outcome.failed.length > 0 || outcome.unknown.length > 0 || outcome.stopped) {
    throw incomplete(core, definition.name, operation, outcome, (write) => write.fields);
  }
}

/**
 * After a lost answer, what the table shows of each write, by one consistent read of the keys
 * and write ids (see `batchPutVerdict` and `batchDeleteVerdict` for what each tells).
 */
async function settle(
  core: StoreCore,
  entries: readonly Write[],
  leftMs: number,
  mayLandLater: boolean,
): Promise<Attempted<Settled>> {
  const tableKeyOf = (write: Write) =>
    write.request.PutRequest?.Item ?? (write.request.DeleteRequest?.Key as Item);
  const answer = await core.executor.attempt(
    new BatchGetItemCommand(batchWriteIds(core.table, entries.map(tableKeyOf))),
    leftMs,
  );
  if (!answer.ok) return answer;
  const result = answer.output;
  if ((result.UnprocessedKeys?.[core.table]?.Keys?.length ?? 0) > 0) {
    // Read again later: a key not read tells nothing.
    const error = new Error("the read after a lost answer left keys unprocessed");
    return { ok: false, failure: "throttled", error, mayHaveApplied: false };
  }
  const stored = new Map(
    (result.Responses?.[core.table] ?? []).map((item) => [tableKeyId(item), item] as const),
  );
  const done: string[] = [];
  const unknown: string[] = [];
  for (const write of entries) {
    const item = stored.get(write.id);
    const put = write.request.PutRequest?.Item;
    const verdict =
      put === undefined
        ? batchDeleteVerdict(item, mayLandLater)
        : batchPutVerdict(writeIdsIn(put).at(-1) ?? "", item);
    if (verdict === "applied") done.push(write.id);
    else if (verdict === "unknown") unknown.push(write.id);
  }
  return { ok: true, output: { done, unknown } };
}

/**
 * Writes the values, 25 per request. Every value is validated and encoded before the first
 * request, so a bad value writes nothing. Two values with the same key are refused.
 */
export async function putItems(
  core: StoreCore,
  definition: AtomDefinition,
  values: readonly Fields[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const writes: Write[] = [];
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    let item: Record<string, AttributeValue>;
    try {
      item = definition.encode(value as never);
    } catch (err) {
      throw at(err, `putItems(${definition.name}), values[${i}]`);
    }
    const id = tableKeyId(item);
    const first = seen.get(id);
    if (first !== undefined) {
      const key = formatKey(pickKeyFields(definition.key, value));
      throw new DynatomError(
        "batch.duplicate-key",
        `putItems(${definition.name}): values ${first} and ${i} have the same key ${key}; ` +
          "DynamoDB cannot write one key twice in a batch, so nothing was written. Keep one of them.",
        { details: { atom: definition.name, key, positions: [first, i] } },
      );
    }
    seen.set(id, i);
    writes.push({
      id,
      // The item was made for this call alone, so it takes the bookkeeping in place.
      request: { PutRequest: { Item: Object.assign(item, blindWriteBookkeeping()) } },
      fields: pickKeyFields(definition.key, value),
    });
  });
  await writeAll(core, definition, "putItems", writes, options);
}

/** An item to write as it is, with the key fields an error would name it by. */
export interface Restore {
  readonly item: Record<string, AttributeValue>;
  readonly fields: Fields;
}

/**
 * Writes whole prepared items as they are (keys, bookkeeping and all), 25 per request, for an
 * import. Nothing is read back after a lost answer: every item is sent again, which is right
 * only because putting the same item twice leaves the same item, and only in a table nobody
 * else writes to meanwhile (a resend could undo their write). Errors are putItems' errors.
 * Two items with the same key are refused, as DynamoDB would refuse the request.
 *
 * @example await restoreItems(core, Account, [{ item, fields: { tenant: "t1", id: "a1" } }]);
 */
export async function restoreItems(
  core: StoreCore,
  definition: AtomDefinition,
  items: readonly Restore[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const writes: Write[] = [];
  const seen = new Map<string, number>();
  for (const [i, { item, fields }] of items.entries()) {
    const id = tableKeyId(item);
    const first = seen.get(id);
    if (first !== undefined) {
      const key = formatKey(fields);
      throw new DynatomError(
        "batch.duplicate-key",
        `restoreItems(${definition.name}): items ${first} and ${i} have the same key ${key}; ` +
          "DynamoDB cannot write one key twice in a batch, so nothing was written. Keep one of them.",
        { details: { atom: definition.name, key, positions: [first, i] } },
      );
    }
    seen.set(id, i);
    writes.push({ id, request: { PutRequest: { Item: item } }, fields });
  }
  await writeAll(core, definition, "restoreItems", writes, options, false);
}

/** Deletes the items with these keys, 25 per request; absent items and repeated keys are fine. */
export async function deleteItems(
  core: StoreCore,
  definition: AtomDefinition,
  keys: readonly Fields[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const writes = new Map<string, Write>();
  for (const [i, fields] of keys.entries()) {
    const key = tableKeyAt(definition, fields, `deleteItems(${definition.name}), keys[${i}]`);
    const id = tableKeyId(key);
    if (!writes.has(id)) {
      const request = { DeleteRequest: { Key: key } };
      writes.set(id, { id, request, fields: pickKeyFields(definition.key, fields) });
    }
  }
  await writeAll(core, definition, "deleteItems", [...writes.values()], options);
}
