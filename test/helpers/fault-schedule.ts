import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { seeded } from "./random.js";

export { seeded };

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
  /** The faults to draw from; all by default. */
  readonly kinds?: readonly FaultKind[];
}

/** Every fault a schedule can inject. */
export const FAULT_KINDS: readonly FaultKind[] = [
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

interface Wire {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}
type Handle = (
  request: { headers: Record<string, string>; body?: unknown },
  options?: unknown,
) => Promise<{ response: Wire }>;

/** An answer as DynamoDB sends it, for the SDK to parse into its error. */
function answer(status: number, type: string, message: string): { response: Wire } {
  const body = new TextEncoder().encode(
    JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  );
  return {
    response: {
      statusCode: status,
      headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "injected" },
      body,
    },
  };
}

const reset = () => Object.assign(new Error("socket hang up (injected)"), { code: "ECONNRESET" });

/** Reads and drops an answer that will never reach the caller, so its socket is freed. */
function drop(answered: { response: Wire }): void {
  (answered.response.body as { resume?: () => void } | undefined)?.resume?.();
}

/**
 * Injects a seeded schedule of faults in the client's HTTP handler, where the network is: what
 * a real network and a real DynamoDB can do to a request, before or after it commits. Reads get
 * throttling and 500s only. Returns how many of each fault were injected.
 */
export function injectFaultSchedule(
  client: DynamoDBClient,
  options: FaultScheduleOptions,
): {
  readonly counts: Record<FaultKind | "recreate-failed", number>;
  /** Resolves once no injected work (a re-create runs on after its attempt timed out) is left. */
  quiet(): Promise<void>;
} {
  const next01 = seeded(options.seed);
  const counts = Object.fromEntries(
    [...FAULT_KINDS, "recreate-failed"].map((kind) => [kind, 0]),
  ) as Record<FaultKind | "recreate-failed", number>;
  const running = new Set<Promise<void>>();
  const handler = client.config.requestHandler as unknown as { handle: Handle };
  const send = handler.handle.bind(handler);
  handler.handle = async (request, handlerOptions) => {
    const target = request.headers["x-amz-target"] ?? "";
    const command = `${target.slice(target.indexOf(".") + 1)}Command`;
    const write = WRITES.has(command);
    if ((!write && !READS.has(command)) || next01() >= options.rate) {
      return send(request, handlerOptions);
    }
    const choices = write
      ? (options.kinds ?? FAULT_KINDS)
      : (["throttled", "500-before-commit"] as const);
    const kind = choices[Math.floor(next01() * choices.length)] as FaultKind;
    const item = (
      JSON.parse(String(request.body ?? "{}")) as {
        Item?: Record<string, AttributeValue>;
      }
    ).Item;
    if (kind === "recreate-after-commit" && (command !== "PutItemCommand" || !item)) {
      return send(request, handlerOptions);
    }
    counts[kind]++;
    switch (kind) {
      case "throttled":
        return answer(400, "ThrottlingException", "Rate exceeded (injected)");
      case "500-before-commit":
        return answer(500, "InternalServerError", "Internal server error (injected)");
      case "stall-before":
        // The attempt times out meanwhile; its request is then cut before it is sent.
        await sleep(options.stallMs);
        return send(request, handlerOptions);
      case "late-answer": {
        const answered = await send(request, handlerOptions);
        await sleep(options.stallMs);
        return answered;
      }
      case "lost-after-commit":
        drop(await send(request, handlerOptions));
        throw reset();
      case "500-after-commit":
        drop(await send(request, handlerOptions));
        return answer(500, "InternalServerError", "Internal server error (injected)");
      case "recreate-after-commit": {
        drop(await send(request, handlerOptions));
        // A failed re-create would leave the counter deleted: that must show in the test.
        const done = recreate(options, item as Record<string, AttributeValue>).catch((err) => {
          counts["recreate-failed"]++;
          console.error("re-create failed:", err);
        });
        running.add(done);
        await done;
        running.delete(done);
        throw reset();
      }
    }
  };
  return {
    counts,
    quiet: async () => {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

/**
 * Another process sees the write, deletes the item and makes it again with the same value (a
 * plain item, without dynatom's write ids). The delete is conditional on the item being exactly
 * as read (every attribute), and the re-create on its absence, so a writer in between is never
 * overwritten.
 */
async function recreate(options: FaultScheduleOptions, written: Record<string, AttributeValue>) {
  const key = { pk: written.pk, sk: written.sk } as Record<string, AttributeValue>;
  const { Item } = await options.raw.send(
    new GetItemCommand({ TableName: options.table, Key: key, ConsistentRead: true }),
  );
  if (Item === undefined) return;
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const same = Object.entries(Item).map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    return `#a${i} = :a${i}`;
  });
  try {
    await options.raw.send(
      new DeleteItemCommand({
        TableName: options.table,
        Key: key,
        ConditionExpression: same.join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (err) {
    // Someone wrote meanwhile: leave it.
    if ((err as { name?: string }).name === "ConditionalCheckFailedException") return;
    throw err;
  }
  await options.raw.send(
    new PutItemCommand({
      TableName: options.table,
      Item: options.recreate(Item),
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}
