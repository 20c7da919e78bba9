import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TestFn } from "ava";
import { type LocalDynamo, localClientConfig, startLocal } from "dynatom/local";
import { TEST_ENDPOINT_ENV } from "./env.js";

export interface TestTable {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** A table of this test file alone, with string keys `pk` and `sk`. */
  readonly table: string;
}

/**
 * Gives the calling test file its own fresh table on the run's DynamoDB Local (or on one of its
 * own when the file runs outside `npm test`), dropped when the file is done.
 *
 * @example
 * const db = useTestTable(test);
 * test("…", async (t) => { const { client, table } = db(); });
 */
export function useTestTable<Context>(test: TestFn<Context>): () => TestTable {
  let current: TestTable | undefined;
  let own: LocalDynamo | undefined;
  test.before(async () => {
    let endpoint = process.env[TEST_ENDPOINT_ENV];
    if (!endpoint) {
      own = await startLocal();
      endpoint = own.endpoint;
    }
    const client = new DynamoDBClient(localClientConfig(endpoint));
    const file = basename(fileURLToPath(test.meta.file)).replace(/\.test\.ts$/, "");
    const table = `${file}-${randomUUID().slice(0, 8)}`;
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
    current = { endpoint, client, table };
  });
  test.after.always(async () => {
    if (current) {
      await current.client.send(new DeleteTableCommand({ TableName: current.table }));
      current.client.destroy();
    }
    await own?.stop();
  });
  return () => {
    if (!current)
      throw new Error("useTestTable: the table is made in test.before; use it in a test");
    return current;
  };
}
