import { type AttributeValue, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { gaveUp, outcomeUnknown } from "../atom/outcome.js";
import type { Target } from "../atom/write.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import type { RetryPolicy } from "../executor/policy.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  buildWriteIds,
  newWriteId,
  WRITE_IDS_ATTRIBUTE,
  writeIdsIn,
} from "../schema/bookkeeping.js";
import { formatKey, partitionKey, sortKey } from "../schema/keys.js";
import type { StoreCore } from "../store/core.js";
import { KvLogEntry } from "./definitions.js";

/** One entry of a log, as `log()` reads it. */
export interface LogEntry<T = unknown> {
  /** Its place in the log: 0, 1, 2, … with no gaps. */
  readonly seq: number;
  readonly value: T;
  /** When it was appended, by the appender's clock. */
  readonly at: Date;
}

/** Where a log's reading starts and how much it reads. */
export interface LogOptions {
  /** The first seq to read (default 0). */
  readonly from?: number;
  /** The most entries to read (default: all). */
  readonly limit?: number;
}

/** The last seq each log was seen at, per store: an append from here needs no read. */
const heads = new WeakMap<StoreCore, Map<string, number>>();
const MAX_HEADS = 1024;

function headsOf(core: StoreCore): Map<string, number> {
  let map = heads.get(core);
  if (map === undefined) {
    map = new Map();
    heads.set(core, map);
  }
  return map;
}

function remember(core: StoreCore, id: string, seq: number): void {
  const map = headsOf(core);
  if ((map.get(id) ?? -1) >= seq) return;
  map.delete(id);
  map.set(id, seq);
  if (map.size > MAX_HEADS) map.delete(map.keys().next().value as string);
}

const SEQ_NAMES = { "#pk": "pk", "#sk": "sk", "#seq": "seq" };

/**
 * The start of every entry's sort key. A partition key may be shared with items of other types
 * (a namespace holding "#log_" spells the same one), so reads keep to the entries' own range.
 */
const ENTRY_PREFIX = `${sortKey(KvLogEntry.name, [], {})}#`;

/** The highest seq in the log (-1 while empty), read strongly consistently. */
async function readHead(core: StoreCore, pk: string, policy: RetryPolicy): Promise<number> {
  const { Items } = await core.executor.read(
    () =>
      new QueryCommand({
        TableName: core.table,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :entries)",
        ExpressionAttributeNames: SEQ_NAMES,
        ExpressionAttributeValues: { ":pk": { S: pk }, ":entries": { S: ENTRY_PREFIX } },
        ProjectionExpression: "#seq",
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    policy,
  );
  const seq = Items?.[0]?.seq?.N;
  return seq === undefined ? -1 : Number(seq);
}

/**
 * Appends one entry: ONE conditional PutItem of a new item at the seq after the log's head (the
 * head this store last saw, or read once), only where no entry is. Another appender holding that
 * seq is answered with its item (ALL_OLD): the head is read again and the entry goes to the next
 * free seq. The entry carries a write id, so a lost answer is settled by sending the same put
 * again to the same seq: it lands there at most once, and a refusal shows whose entry it is.
 * Entries are never removed, so seqs have no gaps and an acknowledged entry keeps its place.
 */
export async function append(
  core: StoreCore,
  namespace: string,
  log: string,
  value: unknown,
  policy: RetryPolicy,
): Promise<number> {
  const at = new Date();
  const pk = partitionKey(KvLogEntry.name, ["ns", "log"], { ns: namespace, log });
  const prepare = (seq: number) => KvLogEntry.prepare({ ns: namespace, log, seq, value, at }).item;
  const known = headsOf(core).get(pk);
  let seq = known === undefined ? undefined : known + 1;
  // Encoded before anything is sent: a value the codec refuses fails here.
  let item = prepare(seq ?? 0);
  const writeId = newWriteId();
  let uncertain = false;
  let last: Failed | undefined;
  const targetAt = (at: number): Target => ({
    core,
    definition: KvLogEntry as never,
    key: { pk: { S: pk }, sk: { S: sortKey(KvLogEntry.name, ["seq"], { seq: at }) } },
    keyText: formatKey({ ns: namespace, log, seq: at }),
    retry: policy,
  });
  const bookkeeping: Record<string, AttributeValue> = {
    [ATOM_VERSION_ATTRIBUTE]: { N: "1" },
    [WRITE_IDS_ATTRIBUTE]: buildWriteIds([writeId]),
  };
  return retrying<number>(
    policy,
    async (clock) => {
      if (seq === undefined) {
        seq = (await readHead(core, pk, policy)) + 1;
        item = prepare(seq);
      }
      const result = await core.executor.attempt(
        new PutItemCommand({
          TableName: core.table,
          Item: { ...item, ...bookkeeping },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": "pk" },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        clock.left(),
      );
      if (result.ok) {
        remember(core, pk, seq);
        return { done: seq };
      }
      last = result;
      if (result.mayHaveApplied) uncertain = true;
      if (result.failure === "conflict") {
        const held = (result.error as { Item?: Record<string, AttributeValue> }).Item;
        if (writeIdsIn(held).includes(writeId)) {
          remember(core, pk, seq);
          return { done: seq };
        }
        // Another entry holds this seq, for good: an earlier send of ours can never land there.
        remember(core, pk, seq);
        uncertain = false;
        seq = undefined;
        return { again: "conflict", cause: result.error };
      }
      if (result.failure === "definite") {
        if (uncertain) {
          throw outcomeUnknown(
            targetAt(seq),
            writeId,
            result.error,
            "sending it again was refused, so the entry at that seq could not be checked",
          );
        }
        throw core.executor.failed("PutItem", result);
      }
      // A lost answer is settled at once, at the same seq.
      return {
        again: result.failure,
        cause: result.error,
        now: result.mayHaveApplied && result.failure !== "throttled",
      };
    },
    (run) => gaveUp(targetAt(seq ?? -1), uncertain ? { writeId } : undefined, last, run, "PutItem"),
  );
}

/**
 * Reads a log in seq order from `from`, strongly consistently, a page of entries per request.
 */
export async function* readLog(
  core: StoreCore,
  namespace: string,
  log: string,
  from: number,
  limit: number,
): AsyncGenerator<LogEntry> {
  const pk = partitionKey(KvLogEntry.name, ["ns", "log"], { ns: namespace, log });
  let start: Record<string, AttributeValue> | undefined;
  let left = limit;
  const first = sortKey(KvLogEntry.name, ["seq"], { seq: from });
  while (left > 0) {
    const page = await core.executor.read(
      () =>
        new QueryCommand({
          TableName: core.table,
          KeyConditionExpression: "#pk = :pk AND #sk >= :from",
          ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
          ExpressionAttributeValues: { ":pk": { S: pk }, ":from": { S: first } },
          ConsistentRead: true,
          Limit: Math.min(left, 1000),
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      core.retry,
    );
    for (const item of page.Items ?? []) {
      // Past the entries: an item of another type sharing the partition.
      if (!item.sk?.S?.startsWith(ENTRY_PREFIX)) return;
      const entry = KvLogEntry.decode(item);
      left--;
      yield { seq: entry.seq, value: entry.value, at: entry.at };
      if (left === 0) return;
    }
    if (page.LastEvaluatedKey === undefined) return;
    start = page.LastEvaluatedKey;
  }
}
