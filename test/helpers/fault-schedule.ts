import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";

/** The faults a schedule injects, each on a share of the requests it may touch. */
export type FaultKind =
  | "lost-after-commit"
  | "500-before-commit"
  | "500-after-commit"
  | "throttled"
  | "stall-before"
  | "late-answer"
  | "recreate-after-commit";

export interface FaultScheduleOptions {
  readonly seed: number;
  /** The share of requests that get a fault. */
  readonly rate: number;
  readonly table: string;
  /** A clean client for the delete and re-create done behind a lost answer. */
  readonly raw: DynamoDBClient;
  /** Longer than the store's requestTimeoutMs: a stall outlives the attempt. */
  readonly stallMs: number;
  /** The plain item that re-creates a deleted one with the same value. */
  readonly recreate: (item: Record<string, AttributeValue>) => Record<string, AttributeValue>;
}

const KINDS: readonly FaultKind[] = [
  "lost-after-commit",
  "500-before-commit",
  "500-after-commit",
  "throttled",
  "stall-before",
  "late-answer",
  "recreate-after-commit",
];

const WRITES = new Set(["PutItemCommand", "TransactWriteItemsCommand", "BatchWriteItemCommand"]);
const READS = new Set(["GetItemCommand", "BatchGetItemCommand"]);

/** A small seeded generator, so that a failing schedule can be run again. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function answered(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

const reset = () => Object.assign(new Error("socket hang up (injected)"), { code: "ECONNRESET" });

/**
 * Injects a seeded schedule of faults as SDK middleware next to the wire: what a real network
 * and a real DynamoDB can do to a request, before or after it commits. Reads get throttling and
 * 500s only. Returns how many of each fault were injected.
 */
export function injectFaultSchedule(
  client: DynamoDBClient,
  options: FaultScheduleOptions,
): Record<FaultKind | "recreate-failed", number> {
  const next01 = seeded(options.seed);
  const counts = Object.fromEntries(
    [...KINDS, "recreate-failed"].map((kind) => [kind, 0]),
  ) as Record<FaultKind | "recreate-failed", number>;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const write = WRITES.has(command);
      if ((!write && !READS.has(command)) || next01() >= options.rate) return next(args);
      const choices = write ? KINDS : (["throttled", "500-before-commit"] as const);
      const kind = choices[Math.floor(next01() * choices.length)] as FaultKind;
      const item = (args.input as { Item?: Record<string, AttributeValue> }).Item;
      if (kind === "recreate-after-commit" && (command !== "PutItemCommand" || !item)) {
        return next(args);
      }
      counts[kind]++;
      switch (kind) {
        case "throttled":
          throw answered("ThrottlingException", 400);
        case "500-before-commit":
          throw answered("InternalServerError", 500);
        case "stall-before":
          // The attempt times out meanwhile; its request is then cut before it is sent.
          await sleep(options.stallMs);
          return next(args);
        case "late-answer": {
          const result = await next(args);
          await sleep(options.stallMs);
          return result;
        }
        case "lost-after-commit":
          await next(args);
          throw reset();
        case "500-after-commit":
          await next(args);
          throw answered("InternalServerError", 500);
        case "recreate-after-commit": {
          await next(args);
          // A failed re-create would leave the counter deleted: that must show in the test.
          await recreate(options, item as Record<string, AttributeValue>).catch((err) => {
            counts["recreate-failed"]++;
            console.error("re-create failed:", err);
          });
          throw reset();
        }
      }
    },
    { step: "deserialize", priority: "low", name: `faultSchedule${options.seed}` },
  );
  return counts;
}

/**
 * Another process sees the write, deletes the item and makes it again with the same value (a
 * plain item, without dynatom's write ids). Both steps are conditional, so a writer in between
 * is never overwritten.
 */
async function recreate(options: FaultScheduleOptions, written: Record<string, AttributeValue>) {
  const key = { pk: written.pk, sk: written.sk } as Record<string, AttributeValue>;
  const { Item } = await options.raw.send(
    new GetItemCommand({ TableName: options.table, Key: key, ConsistentRead: true }),
  );
  if (Item === undefined) return;
  const ver = Item._ver?.N;
  try {
    await options.raw.send(
      new DeleteItemCommand({
        TableName: options.table,
        Key: key,
        ...(ver === undefined
          ? {
              ConditionExpression: "attribute_not_exists(#v)",
              ExpressionAttributeNames: { "#v": "_ver" },
            }
          : {
              ConditionExpression: "#v = :v",
              ExpressionAttributeNames: { "#v": "_ver" },
              ExpressionAttributeValues: { ":v": { N: ver } },
            }),
      }),
    );
  } catch {
    return; // someone wrote meanwhile: leave it
  }
  await options.raw.send(
    new PutItemCommand({
      TableName: options.table,
      Item: options.recreate(Item),
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}
