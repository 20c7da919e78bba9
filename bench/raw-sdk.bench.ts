// The baselines every later row is compared with: the bare AWS SDK, one request per operation.
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { defineSuite } from "./harness.js";

export default defineSuite({
  name: "raw-sdk",
  async setup({ client, table }) {
    const Key = { pk: { S: "bench#raw" }, sk: { S: "item" } };
    const Item = { ...Key, name: { S: "counter" }, n: { N: "0" }, tags: { SS: ["a", "b"] } };
    await client.send(new PutItemCommand({ TableName: table, Item }));
    let n = 0;
    return [
      {
        name: "raw GetItem (consistent)",
        baseline: "raw GetItem (consistent)",
        run: () => client.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true })),
      },
      {
        name: "raw PutItem",
        baseline: "raw PutItem",
        run: () =>
          client.send(
            new PutItemCommand({ TableName: table, Item: { ...Item, n: { N: String(++n) } } }),
          ),
      },
    ];
  },
});
