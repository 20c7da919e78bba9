/**
 * The baselines of the atom rows: what a user writes by hand on the bare SDK. A plain item (the
 * value's fields and a `version` attribute; no write ids, no type note), a conditional PutItem on
 * the version it read, ReturnValuesOnConditionCheckFailure ALL_OLD so that a conflict needs no
 * read, and full-jitter backoff (base 2 ms, cap 200 ms). Shared by the in-process rows and the
 * worker processes (bench/hot-worker.ts), so that both sides of every row run the same loop.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/** The key of a plain counter item. */
export function plainKey(name: string): Item {
  return { pk: { S: `plain#${name}` }, sk: { S: "counter" } };
}

/** A plain counter item: its fields and its version, nothing else. */
export function plainItem(name: string, n: number, version: number): Item {
  return {
    ...plainKey(name),
    name: { S: name },
    n: { N: String(n) },
    version: { N: String(version) },
  };
}

/** What a hand-written loop keeps of its item between swaps. */
export interface PlainSeen {
  version: number;
  n: number;
}

function seenOf(item: Item | undefined): PlainSeen {
  return { version: Number(item?.version?.N ?? 0), n: Number(item?.n?.N ?? 0) };
}

/** Full jitter: a random delay up to min(cap, base · 2^(attempt − 1)). */
export function fullJitter(attempt: number, baseMs = 2, capMs = 200): Promise<void> {
  return sleep(Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

/** One conditional PutItem of `n + 1` on the version seen; throws on a conflict (with ALL_OLD). */
export function conditionalPut(
  client: DynamoDBClient,
  table: string,
  name: string,
  seen: PlainSeen,
) {
  return client.send(
    new PutItemCommand({
      TableName: table,
      Item: plainItem(name, seen.n + 1, seen.version + 1),
      ...(seen.version === 0
        ? {
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": "pk" },
          }
        : {
            ConditionExpression: "#v = :v",
            ExpressionAttributeNames: { "#v": "version" },
            ExpressionAttributeValues: { ":v": { N: String(seen.version) } },
          }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
  );
}

/**
 * `swaps` increments of one plain counter, each exactly as a careful user writes it: read once
 * (consistent) when nothing is known, then conditional puts, refreshed from ALL_OLD on a
 * conflict. Returns what it knows afterwards, so that a warm loop reads nothing more.
 */
export async function handSwaps(
  client: DynamoDBClient,
  table: string,
  name: string,
  swaps: number,
  known?: PlainSeen,
): Promise<PlainSeen> {
  let seen = known;
  for (let done = 0; done < swaps; done++) {
    if (seen === undefined) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: plainKey(name), ConsistentRead: true }),
      );
      seen = seenOf(Item);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await conditionalPut(client, table, name, seen);
        seen = { version: seen.version + 1, n: seen.n + 1 };
        break;
      } catch (err) {
        if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
        seen = seenOf((err as { Item?: Item }).Item);
        await fullJitter(attempt);
      }
    }
  }
  return seen as PlainSeen;
}
