import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { DynatomError } from "../errors/index.js";
import {
  blindWriteBookkeeping,
  WRITE_ID_WINDOW,
  WRITE_IDS_ATTRIBUTE,
} from "../schema/bookkeeping.js";
import { keyFieldsOf, keyId, keyText } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { type BatchWriteOptions, batchSettings } from "./options.js";
import { at, incomplete, keyAt } from "./report.js";
import { runBatch } from "./run.js";

type Fields = Readonly<Record<string, unknown>>;

/** BatchWriteItem takes at most 25 requests (25 × 400 KB stays under its 16 MB). */
const WRITE_CHUNK = 25;

interface Write {
  readonly id: string;
  readonly request: WriteRequest;
  readonly fields: Fields;
}

async function writeAll(
  core: StoreCore,
  definition: AtomDefinition,
  operation: "putItems" | "deleteItems",
  writes: readonly Write[],
  options: BatchWriteOptions,
): Promise<void> {
  const { concurrency, retry } = batchSettings(definition.name, operation, options);
  const client = await core.client();
  const total = writes.length;
  const { onProgress } = options;
  const outcome = await runBatch({
    entries: writes,
    idOf: (write) => write.id,
    chunkSize: WRITE_CHUNK,
    concurrency,
    retry,
    ...(onProgress === undefined ? {} : { onDone: (done: number) => onProgress({ done, total }) }),
    send: async (entries) => {
      const result = await client.send(
        new BatchWriteItemCommand({
          RequestItems: { [core.table]: entries.map((write) => write.request) },
        }),
      );
      return (result.UnprocessedItems?.[core.table] ?? []).map((request) =>
        keyId(
          (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Record<
            string,
            AttributeValue
          >,
        ),
      );
    },
    settle: async (entries) => settle(core.table, client, entries),
  });
  // A stop (a refusal, or onProgress throwing) fails the call even when every key got done.
  if (outcome.failed.length > 0 || outcome.unknown.length > 0 || outcome.stopped) {
    throw incomplete(core, definition.name, operation, outcome, (write) => write.fields);
  }
}

/**
 * After a lost answer, what the table shows of each write, by one consistent read. A put is done
 * when the item lists its write id (later writes keep it in their window); unknown when the
 * window is full without it (later writes may have pushed it out); otherwise it did not apply,
 * or the item was since replaced by a blind write or deleted, and it is sent again as if it came
 * later. A delete is done when the item is absent; a present item may be one made again since
 * the delete applied, so it cannot be told, and is not deleted again.
 */
async function settle(
  table: string,
  client: DynamoDBClient,
  entries: readonly Write[],
): Promise<{ done: string[]; unknown: string[] }> {
  const keyOf = (write: Write) =>
    write.request.PutRequest?.Item ??
    (write.request.DeleteRequest?.Key as Record<string, AttributeValue>);
  const result = await client.send(
    new BatchGetItemCommand({
      RequestItems: {
        [table]: {
          Keys: entries.map((write) => {
            const { pk, sk } = keyOf(write);
            return { pk, sk } as Record<string, AttributeValue>;
          }),
          ConsistentRead: true,
          ProjectionExpression: "#pk, #sk, #w",
          ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk", "#w": WRITE_IDS_ATTRIBUTE },
        },
      },
    }),
  );
  if ((result.UnprocessedKeys?.[table]?.Keys?.length ?? 0) > 0) {
    // Read again later: a key not read tells nothing.
    throw new Error("the read after a lost answer left keys unprocessed");
  }
  const stored = new Map(
    (result.Responses?.[table] ?? []).map((item) => [keyId(item), item] as const),
  );
  const done: string[] = [];
  const unknown: string[] = [];
  for (const write of entries) {
    const item = stored.get(write.id);
    const put = write.request.PutRequest?.Item;
    if (put === undefined) (item === undefined ? done : unknown).push(write.id);
    else {
      const ours = put[WRITE_IDS_ATTRIBUTE]?.L?.[0]?.S;
      const ids = item?.[WRITE_IDS_ATTRIBUTE]?.L ?? [];
      if (ours !== undefined && ids.some((id) => id.S === ours)) done.push(write.id);
      // A full window without ours: it may have been pushed out by later writes made on it.
      else if (ids.length >= WRITE_ID_WINDOW) unknown.push(write.id);
    }
  }
  return { done, unknown };
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
    const id = keyId(item);
    const first = seen.get(id);
    if (first !== undefined) {
      const key = keyText(keyFieldsOf(definition.key, value));
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
      fields: keyFieldsOf(definition.key, value),
    });
  });
  await writeAll(core, definition, "putItems", writes, options);
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
    const key = keyAt(definition, fields, `deleteItems(${definition.name}), keys[${i}]`);
    const id = keyId(key);
    if (!writes.has(id)) {
      const request = { DeleteRequest: { Key: key } };
      writes.set(id, { id, request, fields: keyFieldsOf(definition.key, fields) });
    }
  }
  await writeAll(core, definition, "deleteItems", [...writes.values()], options);
}
