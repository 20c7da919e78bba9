import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { decodeItem, encodeItem } from "dynatom";
import fc from "fast-check";
import { difference } from "../helpers/same.js";
import { useTestTable } from "../helpers/table.js";
import { anyItem } from "../helpers/values.js";

const db = useTestTable(test);

test("any value survives encode → PutItem → GetItem → decode exactly", async (t) => {
  const { client, table } = db();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(anyItem, async (value) => {
      const key = { pk: { S: "roundtrip" }, sk: { S: String(n++) } };
      await client.send(
        new PutItemCommand({ TableName: table, Item: { ...encodeItem(value), ...key } }),
      );
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      const { pk: _pk, sk: _sk, ...stored } = got.Item ?? {};
      const back = decodeItem(stored);
      const diff = difference(value, back, "item");
      if (diff) throw new Error(diff);
    }),
    { numRuns: 300, includeErrorInReport: true },
  );
  t.pass();
});
