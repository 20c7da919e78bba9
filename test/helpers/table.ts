import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TestFn } from "ava";
import { type LocalDynamo, localClientConfig, startLocal } from "dynatom/local";
import { TEST_ENDPOINT_ENV } from "./env.js";
import { oneJvmStartAtATime } from "./jvm-start-lock.js";

export interface TestDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** A table name no other test file or test uses: `<file>-<random>-<label>`. */
  tableName(label?: string): string;
}

export interface TestTable extends TestDynamo {
  /** A table of this test file alone, with string keys `pk` and `sk`. */
  readonly table: string;
}

/**
 * Gives the calling test file the run's DynamoDB Local (or one of its own when the file runs
 * outside `npm test`) and a client on it, closed when the file is done.
 */
export function useTestDynamo<Context>(test: TestFn<Context>): () => TestDynamo {
  let current: TestDynamo | undefined;
  let own: LocalDynamo | undefined;
  test.before(async () => {
    let endpoint = process.env[TEST_ENDPOINT_ENV];
    if (!endpoint) {
      own = await oneJvmStartAtATime(() => startLocal());
      endpoint = own.endpoint;
    }
    const file = basename(fileURLToPath(test.meta.file)).replace(/\.test\.ts$/, "");
    const run = randomUUID().slice(0, 8);
    let n = 0;
    current = {
      endpoint,
      client: new DynamoDBClient(localClientConfig(endpoint)),
      tableName: (label = String(++n)) => `${file}-${run}-${label}`,
    };
  });
  test.after.always(async () => {
    current?.client.destroy();
    await own?.stop();
  });
  return () => {
    if (!current) throw new Error("useTestDynamo: made in test.before; use it inside a test");
    return current;
  };
}

/**
 * Gives the calling test file its own fresh table (keys `pk`, `sk`) on the run's DynamoDB Local,
 * dropped when the file is done.
 *
 * @example
 * const db = useTestTable(test);
 * test("…", async (t) => { const { client, table } = db(); });
 */
export function useTestTable<Context>(test: TestFn<Context>): () => TestTable {
  const dynamo = useTestDynamo(test);
  let table: string | undefined;
  test.before(async () => {
    const { client, tableName } = dynamo();
    table = tableName("table");
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
  });
  test.after.always(async () => {
    if (table) await dynamo().client.send(new DeleteTableCommand({ TableName: table }));
  });
  return () => {
    if (!table) throw new Error("useTestTable: made in test.before; use it inside a test");
    return { ...dynamo(), table };
  };
}
