// What a change feed group keeps in the table, read as a test sees it, and small waits for
// feeds running in the background.
import { type DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";

export interface LeaseRow {
  sk: string;
  holder: string | undefined;
  counter: number;
  checkpoint: string | undefined;
}

/** The group's lease items (its readers' presence items left out), strongly consistent. */
export async function leasesOf(
  client: DynamoDBClient,
  table: string,
  group: string,
): Promise<LeaseRow[]> {
  const out = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `dynatom.changes#${group}` } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? [])
    .filter((item) => item.checkpoint !== undefined)
    .map((item) => ({
      sk: item.sk?.S ?? "",
      holder: item.holder?.S,
      counter: Number(item.counter?.N ?? "0"),
      checkpoint: item.checkpoint?.S,
    }));
}

/** The reader a lease holder (`<reader>.<take>`) belongs to. */
export const readerOf = (holder: string | undefined) => holder?.slice(0, holder.lastIndexOf("."));

/** Waits until `check` holds, polling; throws naming `what` after `ms`. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads a feed in the background into `seen`, until it ends; resolves to its error, if any. */
export function drain<C>(feed: AsyncIterable<C>, seen: C[]): Promise<unknown> {
  return (async () => {
    for await (const change of feed) seen.push(change);
  })().catch((err: unknown) => err);
}
