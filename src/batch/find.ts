import { BatchGetItemCommand } from "@aws-sdk/client-dynamodb";
import type { Fields, Item } from "../encoding/item.js";
import { batchGet, READ_CHUNK } from "../requests/batch.js";
import { expired } from "../schema/bookkeeping.js";
import { pickKeyFields, tableKeyId } from "../schema/keys.js";
import { readProjections } from "../schema/projection.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { batchSettings, type FindOptions } from "./options.js";
import { incomplete, tableKeyAt } from "./report.js";
import { runBatch } from "./run.js";

interface Wanted {
  readonly id: string;
  readonly key: Item;
  readonly fields: Fields;
}

/**
 * Reads the items with these keys, 100 keys per request: values aligned with `keys`,
 * `undefined` where no item exists. A key given twice is read once and answered twice.
 */
export async function findItems(
  core: StoreCore,
  definition: AtomDefinition,
  keys: readonly Fields[],
  options: FindOptions = {},
): Promise<unknown[]> {
  const { concurrency, retry } = batchSettings(definition.name, "findItems", options);
  const tableKeys = keys.map((fields, i) =>
    tableKeyAt(definition, fields, `findItems(${definition.name}), keys[${i}]`),
  );
  const ids = tableKeys.map(tableKeyId);
  const wanted = new Map<string, Wanted>();
  keys.forEach((fields, i) => {
    const id = ids[i] as string;
    const key = tableKeys[i] as Item;
    if (!wanted.has(id)) wanted.set(id, { id, key, fields: pickKeyFields(definition.key, fields) });
  });
  // Only the attributes decoding needs, and pk/sk to match each answer to its key.
  const projection = readProjections(definition).find;
  // Items are decoded as their answers arrive, while other requests are still out.
  const found = new Map<string, { readonly item: Item; readonly value: unknown }>();
  let decodeFailure: { readonly error: unknown } | undefined;
  const outcome = await runBatch({
    entries: [...wanted.values()],
    idOf: (entry) => entry.id,
    chunkSize: READ_CHUNK,
    concurrency,
    retry,
    attempt: async (entries, leftMs) => {
      const answer = await core.executor.attempt(
        new BatchGetItemCommand(
          batchGet(
            core.table,
            entries.map((entry) => entry.key),
            options.consistent ?? true,
            projection,
          ),
        ),
        leftMs,
      );
      if (!answer.ok) return answer;
      const result = answer.output;
      for (const item of result.Responses?.[core.table] ?? []) {
        // An expired item is absent, as DynamoDB will make it.
        if (definition.ttl !== undefined && expired(item)) continue;
        try {
          found.set(tableKeyId(item), { item, value: definition.decode(item) });
        } catch (error) {
          // Not a failed request: keep reading, and report it once the batch is done.
          decodeFailure ??= { error };
        }
      }
      return {
        ok: true,
        output: (result.UnprocessedKeys?.[core.table]?.Keys ?? []).map(tableKeyId),
      };
    },
  });
  // A stop (a refusal, or onProgress throwing) fails the call even when every key got done.
  if (outcome.failed.length > 0 || outcome.unknown.length > 0 || outcome.stopped) {
    const err = incomplete(core, definition.name, "findItems", outcome, (entry) => entry.fields);
    // Both are worth knowing: the item that could not be decoded is not dropped from the report.
    if (decodeFailure !== undefined) {
      const { error } = decodeFailure;
      err.message += ` Also, an item that was read could not be decoded: ${error instanceof Error ? error.message : String(error)}`;
    }
    throw err;
  }
  if (decodeFailure !== undefined) throw decodeFailure.error;
  // A repeated key gets its own value, so that changing one answer never changes another.
  const answered = new Set<string>();
  return ids.map((id) => {
    const entry = found.get(id);
    if (entry === undefined) return undefined;
    if (!answered.has(id)) {
      answered.add(id);
      return entry.value;
    }
    return definition.decode(entry.item);
  });
}
