/**
 * A Lambda fed by the table's stream gets raw records: `decodeStreamRecord(record, atoms)` turns
 * each into a typed change of one of your atom types (old and new values, decoded and migrated),
 * or undefined for items of other types, with no I/O. Here the records are real ones, read from
 * DynamoDB Local's stream with the plain Streams API, as Lambda would hand them over.
 * Runs on its own DynamoDB Local unless DYNATOM_ENDPOINT says otherwise.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { createStore, decodeStreamRecord, defineAtom, type StreamRecord } from "dynatom";
import { localClientConfig, startLocal } from "dynatom/local";
import * as v from "valibot";

const Order = defineAtom({
  name: "order",
  version: 1,
  schema: v.object({
    id: v.string(),
    customer: v.string(),
    total: v.bigint(),
    placedAt: v.date(),
    lines: v.array(v.object({ sku: v.string(), qty: v.number() })),
  }),
  key: ["id"],
});

const Note = defineAtom({
  name: "note",
  version: 1,
  schema: v.object({ id: v.string(), text: v.string() }),
  key: ["id"],
});

/** What a Lambda on the stream does with each batch: one line per change of an order. */
export function handler(event: { Records: readonly StreamRecord[] }): string[] {
  return event.Records.flatMap((record) => {
    const change = decodeStreamRecord(record, [Order]);
    if (change === undefined) return []; // a note, or dynatom's own bookkeeping
    switch (change.type) {
      case "insert":
        return [`order ${change.key.id} placed by ${change.new.customer}: ${change.new.total}`];
      case "modify":
        return [`order ${change.key.id}: total ${change.old.total} → ${change.new.total}`];
      case "remove":
        return [`order ${change.key.id} cancelled (was ${change.old.total})`];
      default:
        return [];
    }
  });
}

const local = process.env.DYNATOM_ENDPOINT ? undefined : await startLocal();
const endpoint = local?.endpoint ?? (process.env.DYNATOM_ENDPOINT as string);
const table = process.env.DYNATOM_TABLE ?? "dynatom-stream-decode";
const store = createStore({ table, atoms: [Order, Note], endpoint });
const config = localClientConfig(endpoint);
const dynamodb = new DynamoDBClient(config);
const streams = new DynamoDBStreamsClient(config);
try {
  await store.ensureTable(); // turns the table's stream on, with old and new images
  const order = store.atom(Order, { id: "o-1" });
  const placed = {
    id: "o-1",
    customer: "ada",
    total: 12_999n,
    placedAt: new Date("2026-11-23T09:00:00Z"),
    lines: [{ sku: "book", qty: 2 }],
  };
  await order.reset(placed);
  await store.atom(Note, { id: "n-1" }).reset({ id: "n-1", text: "not an order" });
  await order.swap((o = placed) => ({ ...o, total: o.total + 1_000n }));
  await order.destroy();

  // The raw records, read with the Streams API alone.
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const arn = Table?.LatestStreamArn as string;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const records = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: arn,
        ShardId: shard.ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator }));
    records.push(...Records);
  }
  console.log(`${records.length} stream records; decoded, the orders among them:`);
  const lines = handler({ Records: records });
  for (const line of lines) console.log(`  ${line}`);
  if (lines.length !== 3) throw new Error(`expected 3 order changes, got ${lines.length}`);
} finally {
  streams.destroy();
  dynamodb.destroy();
  await store.close();
  await local?.stop();
}
