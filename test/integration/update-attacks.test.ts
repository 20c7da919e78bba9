// Regressions from an attack on updates and where conditions: each case once made an update
// report failure after it applied, store what a swap would not, or let DynamoDB's filter (or a
// write's condition) disagree with the value as it reads.
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError, type Where, type WhereOps } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const Num = defineAtom({
  name: "anum",
  version: 1,
  schema: v.object({
    p: v.string(),
    id: v.string(),
    n: v.number(),
    s: v.string(),
    tags: v.array(v.string()),
    role: v.optional(v.string(), "user"),
    attrs: v.record(v.string(), v.number()),
  }),
  key: { pk: ["p"], sk: ["id"] },
});
const PV1 = defineAtom({
  name: "aperson",
  version: 1,
  schema: v.object({ p: v.string(), id: v.string(), fullName: v.string() }),
  key: { pk: ["p"], sk: ["id"] },
});
const PV2 = defineAtom({
  name: "aperson",
  version: 2,
  schema: v.object({ p: v.string(), id: v.string(), name: v.string() }),
  key: { pk: ["p"], sk: ["id"] },
  migrate: {
    1: (old) => ({ p: old.p, id: old.id, name: (old as { fullName: string }).fullName }),
  },
});
const Dated = defineAtom({
  name: "adated",
  version: 1,
  schema: v.object({ p: v.string(), id: v.string(), a: v.optional(v.date()), b: v.date() }),
  key: { pk: ["p"], sk: ["id"] },
});

let table = "";
let client: DynamoDBClient;
test.before(async () => {
  table = dynamo().tableName("update-attacks");
  client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  await createStore({ table, atoms: [Num, PV1, Dated], client }).ensureTable({ stream: false });
});
test.after.always(() => client.destroy());

type NumValue = Parameters<typeof Num.encode>[0];
const row = (p: string, over: Partial<NumValue> = {}): NumValue => ({
  p,
  id: p,
  n: 1,
  s: "abc",
  tags: ["a"],
  role: "admin",
  attrs: { a: 2 },
  ...over,
});
const raw = async (d: { keyOf(key: never): Record<string, AttributeValue> }, p: string) =>
  (await client.send(new GetItemCommand({ TableName: table, Key: d.keyOf({ p, id: p } as never) })))
    .Item as Record<string, AttributeValue>;
const numStore = () => createStore({ table, atoms: [Num], client });
type Fn = (x: Record<string, unknown>, ops: WhereOps) => Where;
const matches = async (p: string, fn: Fn) =>
  (
    await numStore()
      .query(Num)
      .primary({ p })
      .where(fn as never)
      .go()
  ).items.length;

test("an update whose new value does not decode says it applied, and applied once", async (t) => {
  const item = Num.encode(row("bad"));
  await client.send(new PutItemCommand({ TableName: table, Item: { ...item, s: { N: "5" } } }));
  const error = await t.throwsAsync(
    numStore().update(Num, { p: "bad", id: "bad" }).add({ n: 1 }).go(),
  );
  t.regex(error?.message ?? "", /update was applied/);
  t.is((await raw(Num, "bad")).n?.N, "2");
});

test("defaults: a remove stores the default as a swap does, and conditions see it", async (t) => {
  const store = numStore();
  const key = { p: "d1", id: "d1" };
  await store.putItems(Num, [row("d1")]);
  await store.update(Num, key).add({ n: 1 }).go(); // the store knows the item: no read next
  t.is((await store.update(Num, key).remove(["role"]).go()).role, "user");
  const viaUpdate = (await raw(Num, "d1")).role;
  await store.atom(Num, key).swap((x) => ({ ...(x as NumValue) }));
  t.deepEqual(viaUpdate, (await raw(Num, "d1")).role);
  t.is(await matches("d1", (x, { eq }) => eq(x.role, "user" as never)), 1, "filter");
  const error = await t.throwsAsync(
    store
      .update(Num, key)
      .set({ s: "x" })
      .where((x, { notExists }) => notExists(x.role))
      .go(),
  );
  t.true(isDynatomError(error, "update.condition-failed"), String(error));
});

test("a field absent from an older item but for its default is seen as the default by filters", async (t) => {
  const item = Num.encode(row("d3"));
  const { role: _, ...withoutRole } = item;
  await client.send(new PutItemCommand({ TableName: table, Item: withoutRole }));
  t.is(await matches("d3", (x, { eq }) => eq(x.role, "user" as never)), 1);
});

test("migration: a where on a field a migration makes keeps older items that match", async (t) => {
  await createStore({ table, atoms: [PV1], client }).putItems(PV1, [
    { p: "m", id: "1", fullName: "Bob" },
  ]);
  const q = createStore({ table, atoms: [PV2], client })
    .query(PV2)
    .primary({ p: "m" });
  t.is((await q.go()).items.length, 1);
  t.is((await q.where((x, { eq }) => eq(x.name, "Bob")).go()).items.length, 1);
});

test("-0: eq(n, 0) keeps n = -0, and not(eq(n, 0)) refuses an update on it", async (t) => {
  const store = numStore();
  await store.putItems(Num, [row("z", { n: -0 }), row("z2", { n: -0 })]);
  t.is(await matches("z", (x, { eq }) => eq(x.n, 0 as never)), 1, "filter");
  const error = await t.throwsAsync(
    store
      .update(Num, { p: "z2", id: "z2" })
      .set({ s: "x" })
      .where((x, { eq, not }) => not(eq(x.n, 0)))
      .go(),
  );
  t.true(isDynatomError(error, "update.condition-failed"), String(error));
});

test("add: the number stored is the one read back, as a swap would write it", async (t) => {
  const store = numStore();
  const key = { p: "dec", id: "dec" };
  await store.putItems(Num, [row("dec", { n: 0.1 })]);
  t.is((await store.update(Num, key).add({ n: 1e-20 }).go()).n, 0.1);
  t.is((await raw(Num, "dec")).n?.N, "0.1");
  t.is(await matches("dec", (x, { eq }) => eq(x.n, 0.1 as never)), 1, "filter eq(n, 0.1)");
  const error = await t.throwsAsync(
    store
      .update(Num, key)
      .set({ s: "x" })
      .where((x, { gt }) => gt(x.n, 0.1))
      .go(),
  );
  t.true(isDynatomError(error, "update.condition-failed"), String(error));
});

test("paths DynamoDB stores otherwise: records with odd keys match; a list has no fields", async (t) => {
  await numStore().putItems(Num, [
    row("r1", { attrs: { "": 1, a: 2 } }),
    row("r2", { attrs: { "": 1 } }),
  ]);
  t.is(
    await matches("r1", (x, { eq }) => eq((x.attrs as Record<string, number>).a, 2 as never)),
    1,
  );
  t.is(
    await matches("r2", (x, { eq }) => eq((x.attrs as Record<string, number>)[""], 1 as never)),
    1,
  );
  const error = await t.throwsAsync(() =>
    matches("r1", (x, { eq }) => eq((x.tags as string[]).length, 1 as never)),
  );
  t.true(isDynatomError(error, "filter.invalid"), String(error));
});

test("lone surrogates: eq(s, the escape it is stored as) is false, and refuses the update", async (t) => {
  const store = numStore();
  const key = { p: "ls", id: "ls" };
  await store.putItems(Num, [row("ls", { s: "\ud800" })]);
  await store.update(Num, key).add({ n: 1 }).go();
  const error = await t.throwsAsync(
    store
      .update(Num, key)
      .add({ n: 1 })
      .where((x, { eq }) => eq(x.s, JSON.stringify("\ud800")))
      .go(),
  );
  t.true(isDynatomError(error, "update.condition-failed"), String(error));
});

test("the type note an update writes is the one a swap of the same value writes", async (t) => {
  const store = createStore({ table, atoms: [Dated], client });
  const key = { p: "note", id: "note" };
  await store.putItems(Dated, [{ ...key, b: new Date(1) }]);
  const value = await store
    .update(Dated, key)
    .set({ a: new Date(2) })
    .go();
  const viaUpdate = (await raw(Dated, "note"))._types?.S;
  await store.atom(Dated, key).reset(value);
  t.is(viaUpdate, (await raw(Dated, "note"))._types?.S);
});

test("a filter over DynamoDB's 4 KB is refused where it is built; an empty Set where it is given", (t) => {
  const query = numStore().query(Num).primary({ p: "x" });
  const many = Array.from({ length: 400 }, (_, i) => `value-${i}`);
  const error = t.throws(() => query.where((x, { or, eq }) => or(...many.map((s) => eq(x.s, s)))));
  t.true(isDynatomError(error, "filter.invalid"), String(error));
  const empty = t.throws(() => numStore().update(Num, { p: "x", id: "x" }).addToSet({}));
  t.true(isDynatomError(empty, "update.invalid"), String(empty));
});
