// Regressions from an attack on filtered queries: a filter that drops every item past a
// half-open range must not leave a cursor past it, and two different filters never share a
// cursor.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/**
 * A client whose Query pages without a Limit stop after 3 items read, as DynamoDB's do at 1 MB
 * of items read (before the filter). DynamoDB Local measures 1 MB after the filter instead.
 */
function smallPages(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { KeyConditionExpression?: string; Limit?: number };
      if (input.KeyConditionExpression !== undefined && input.Limit === undefined) input.Limit = 3;
      return next(args);
    },
    { step: "initialize" },
  );
  return client;
}

const Row = defineAtom({
  name: "a4row",
  version: 1,
  schema: v.object({ p: v.string(), a: v.number(), b: v.string(), hit: v.boolean() }),
  key: { pk: ["p"], sk: ["a", "b"] },
});

test("pages() with where on a half-open range: no page's cursor lies past the range", async (t) => {
  const client = smallPages(dynamo().endpoint);
  const store = createStore({ table: dynamo().tableName("a4"), atoms: [Row], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  await store.ensureTable({ stream: false });
  await store.putItems(
    Row,
    Array.from({ length: 10 }, (_, a) => ({ p: "P", a, b: "b", hit: a >= 7 })),
  );
  // between on the first of two sort fields is open above: read descending with `#sk < :hi`.
  const q = store
    .query(Row)
    .primary({ p: "P" })
    .between({ a: 7 }, { a: 8 })
    .where((x, o) => o.eq(x.hit, true));
  const seen: number[] = [];
  for await (const page of q.pages({ order: "desc" })) seen.push(...page.items.map((r) => r.a));
  t.deepEqual(seen, [8, 7]);
});

test("a cursor of where(n > -Infinity) is refused by where(n > Infinity)", async (t) => {
  const store = createStore({
    table: dynamo().tableName("a4inf"),
    atoms: [Row],
    client: dynamo().client,
  });
  t.teardown(() => store.close());
  await store.ensureTable({ stream: false });
  await store.putItems(
    Row,
    Array.from({ length: 3 }, (_, a) => ({ p: "P", a, b: "b", hit: true })),
  );
  const all = store
    .query(Row)
    .primary({ p: "P" })
    .where((x, o) => o.gt(x.a, Number.NEGATIVE_INFINITY));
  const none = store
    .query(Row)
    .primary({ p: "P" })
    .where((x, o) => o.gt(x.a, Number.POSITIVE_INFINITY));
  const page = await all.go({ limit: 1 });
  t.deepEqual(
    page.items.map((r) => r.a),
    [0],
  );
  t.deepEqual((await none.go()).items, []);
  const error = await t.throwsAsync(none.go({ cursor: page.cursor as string }));
  t.true(isDynatomError(error, "query.cursor-mismatch"), String(error));
});
