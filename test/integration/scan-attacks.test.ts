// Attacks on store.scan: many segments, tiny pages, early breaks with failing reads in flight,
// and backfill's rewrites left running after it rejects.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Item = defineAtom({
  name: "it",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string() }),
  key: { pk: ["g"], sk: ["id"] },
});
const Other = defineAtom({
  name: "it_1",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string() }),
  key: { pk: ["g"], sk: ["id"] },
});
const ItemV2 = defineAtom({
  name: "it",
  version: 2,
  schema: v.object({ g: v.string(), id: v.string(), x: v.number() }),
  key: { pk: ["g"], sk: ["id"] },
  migrate: {
    1: (old) => {
      if (old.id === "i000") throw new Error("poison");
      return { ...old, x: 1 };
    },
  },
});

let table = "";
const ITEMS = Array.from({ length: 90 }, (_, i) => ({
  g: `g${i % 9}`,
  id: `i${String(i).padStart(3, "0")}`,
}));

test.before(async () => {
  table = dynamo().tableName("attack2-scan");
  const store = createStore({ table, atoms: [Item, Other], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.putItems(Item, ITEMS);
  await store.putItems(Other, ITEMS);
  await store.close();
});

test.serial("50 segments, limit 1, concurrency 7: every item exactly once", async (t) => {
  const store = createStore({ table, atoms: [Item, Other], client: dynamo().client });
  for (const [segments, concurrency, limit] of [
    [50, 7, 1],
    [200, 3, 2],
    [7, 100, 1],
  ] as const) {
    const seen = new Map<string, number>();
    for await (const page of store.scan(Item, { segments, concurrency, limit })) {
      for (const item of page.items) {
        const id = `${item.g}/${item.id}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    const twice = [...seen].filter(([, c]) => c > 1);
    t.deepEqual(twice, [], `${segments}/${concurrency}/${limit}`);
    t.is(seen.size, ITEMS.length, `${segments}/${concurrency}/${limit}`);
  }
  await store.close();
});

test.serial(
  "breaking early while reads fail: no unhandled rejection, nothing sent after",
  async (t) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
    let after = 0;
    let broke = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "ScanCommand") return next(args);
        if (broke) after++;
        const segment = (args.input as { Segment?: number }).Segment ?? 0;
        if (segment > 0) {
          await new Promise((r) => setTimeout(r, 200));
          const err = new Error("refused") as Error & { name: string; $metadata: object };
          err.name = "ValidationException";
          err.$metadata = { httpStatusCode: 400 };
          throw err;
        }
        return next(args);
      },
      { step: "initialize", name: "failing" },
    );
    const store = createStore({ table, atoms: [Item], client, retry: { maxAttempts: 2 } });
    for await (const page of store.scan(Item, { segments: 4, concurrency: 4, limit: 3 })) {
      if (page.items.length > 0) {
        broke = true;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    process.off("unhandledRejection", onUnhandled);
    t.deepEqual(unhandled, []);
    t.is(after, 0, "no scan request after the break");
    await store.close();
    client.destroy();
  },
);

test.serial("a backfill that fails on one item stops writing when it rejects", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  let rejected = false;
  let putsAfter = 0;
  let puts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutItemCommand") {
        puts++;
        await new Promise((r) => setTimeout(r, 50));
        const out = await next(args);
        if (rejected) putsAfter++;
        return out;
      }
      return next(args);
    },
    { step: "initialize", name: "puts" },
  );
  const store = createStore({ table, atoms: [ItemV2], client });
  const seenProgress: number[] = [];
  const err = await store
    .backfill(ItemV2, { concurrency: 50, onProgress: (p) => seenProgress.push(p.rewritten) })
    .catch((e: unknown) => e);
  rejected = true;
  const putsAtReject = puts;
  await new Promise((r) => setTimeout(r, 2000));
  t.true(isDynatomError(err, "schema.migration-failed"), String(err));
  t.log({ putsAtReject, putsAfter, seenProgress });
  t.is(putsAfter, 0, "rewrites landed after backfill rejected");
  await store.close();
  client.destroy();
});
