// store.backfill: items of an older schema version and items lacking an index added since are
// rewritten, conditional on the item as read; a backfill racing 4 swapping processes loses no
// increment; a backfill stopped midway goes on from its cursor.
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";
import { Counter, PersonV1 } from "../helpers/atoms.js";
import { runSwappers } from "../helpers/swappers.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** Version 2: one name field, and an index the version-1 items lack keys for. */
const Person = defineAtom({
  name: "person",
  version: 2,
  schema: v.object({ tenant: v.string(), id: v.string(), full: v.string() }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byFull: { pk: ["tenant"], sk: ["full"] } },
  migrate: {
    1: (old) => ({
      tenant: old.tenant,
      id: old.id,
      full: `${String(old.first)} ${String(old.last)}`,
    }),
  },
});
/** The swappers' Counter, version 1 too, with an index it never wrote keys for. */
const IndexedCounter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
  indexes: { byN: { pk: ["name"], sk: ["n"] } },
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("backfill");
  const store = createStore({ table, atoms: [Person, IndexedCounter], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.close();
});

async function writeV1(tenant: string, count: number) {
  const old = createStore({ table, atoms: [PersonV1], client: dynamo().client });
  await old.putItems(
    PersonV1,
    Array.from({ length: count }, (_, i) => ({
      tenant,
      id: `p${String(i).padStart(3, "0")}`,
      first: "Ada",
      last: `L${i}`,
    })),
  );
  await old.close();
}

test.serial(
  "items of version 1 become version 2, with the new index's keys; a second run rewrites nothing",
  async (t) => {
    const tenant = "t-migrate";
    await writeV1(tenant, 50);
    const store = createStore({ table, atoms: [Person], client: dynamo().client });
    t.is(
      (await store.query(Person).byFull({ tenant }).go()).items.length,
      0,
      "the index covers none yet",
    );
    const progress: number[] = [];
    const result = await store.backfill(Person, {
      limit: 7,
      onProgress: (p) => progress.push(p.scanned),
    });
    t.is(result.scanned, 50);
    t.is(result.rewritten, 50);
    t.true(progress.length > 3, "progress after each page");
    const all = await store.query(Person).byFull({ tenant }).go();
    t.is(all.items.length, 50);
    t.deepEqual(all.items[0], { tenant, id: "p000", full: "Ada L0" });
    const stored = await dynamo().client.send(
      new GetItemCommand({
        TableName: table,
        Key: Person.keyOf({ tenant, id: "p007" }),
        ConsistentRead: true,
      }),
    );
    t.is(stored.Item?._schema?.N, "2");
    t.deepEqual(await store.backfill(Person), { scanned: 50, rewritten: 0 });
    await store.close();
  },
);

test.serial(
  "a backfill stopped midway goes on from its last cursor and ends the same",
  async (t) => {
    const tenant = "t-resume";
    await writeV1(tenant, 30);
    const store = createStore({ table, atoms: [Person], client: dynamo().client });
    let cursor: string | undefined;
    const stop = new Error("stopped on purpose");
    const err = await t.throwsAsync(
      store.backfill(Person, {
        limit: 10,
        onProgress: (p) => {
          cursor = p.cursor;
          throw stop;
        },
      }),
    );
    t.is(err, stop);
    t.not(cursor, undefined);
    await store.backfill(Person, { limit: 10, ...(cursor === undefined ? {} : { cursor }) });
    t.is((await store.query(Person).byFull({ tenant }).go()).items.length, 30);
    const bad = await t.throwsAsync(store.backfill(Person, { cursor: "not-a-cursor" }));
    t.true(isDynatomError(bad, "batch.invalid-option"), String(bad));
    await store.close();
  },
);

test.serial("a backfill racing 4 swapping processes loses no increment", async (t) => {
  const name = "raced";
  const store = createStore({ table, atoms: [IndexedCounter], client: dynamo().client });
  await createStore({ table, atoms: [Counter], client: dynamo().client })
    .atom(Counter, { name })
    .reset({ name, n: 0 });
  let running = true;
  let rewritten = 0;
  // The swappers write without the index's keys; the backfill keeps adding them meanwhile.
  const backfills = (async () => {
    while (running) rewritten += (await store.backfill(IndexedCounter)).rewritten;
  })();
  const results = await runSwappers(4, {
    endpoint: dynamo().endpoint,
    table,
    name,
    count: 30,
    mode: "atom",
    maxAttempts: 10_000,
  });
  running = false;
  await backfills;
  const outcomes = results.map((r) => r.outcomes);
  t.true(
    outcomes.every((o) => o.failed === 0 && o.unknown === 0),
    JSON.stringify(outcomes),
  );
  t.true(rewritten > 0, "the backfill rewrote the counter while it was swapped");
  const final = await store.atom(IndexedCounter, { name }).deref();
  t.is(final?.n, 120, "every increment is in the counter");
  await store.close();
});
