/**
 * `npm run bench [-- name-filter]`: starts DynamoDB Local, runs every `bench/*.bench.ts` suite on
 * a table of its own, and prints one table. Ratios compare cases measured in the same run,
 * interleaved, after warm-up; absolute numbers from DynamoDB Local are not real-DynamoDB latencies.
 * BENCH_QUICK=1 runs fewer rounds (for a smoke run).
 */
import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localClientConfig, startLocal } from "dynatom/local";
import { type BenchSuite, formatTable, measure, type Row } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const sizes = quick
  ? { warmup: 20, rounds: 3, perRound: 20 }
  : { warmup: 300, rounds: 12, perRound: 150 };
const filter = process.argv[2];

const local = await startLocal();
const client = new DynamoDBClient(localClientConfig(local.endpoint));
const rows: Row[] = [];
try {
  const dir = new URL(".", import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".bench.ts")).sort();
  for (const file of files) {
    const suite = ((await import(new URL(file, dir).href)) as { default: BenchSuite }).default;
    if (filter && !suite.name.includes(filter) && !file.includes(filter)) continue;
    const table = `bench-${randomUUID().slice(0, 8)}`;
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    process.stderr.write(`bench: ${suite.name} …\n`);
    const cases = await suite.setup({ client, table });
    rows.push(...(await measure(suite.name, cases, sizes)));
    await client.send(new DeleteTableCommand({ TableName: table }));
  }
} finally {
  client.destroy();
  await local.stop();
}
console.log(formatTable(rows));
