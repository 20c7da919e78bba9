// Lean reads: deref, findItems and queries ask DynamoDB only for the attributes they decode, and
// return exactly what reading whole items returns; atom types whose fields cannot all be named
// from the schema, or that migrate, read whole items.
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { type AtomDefinition, createStore, defineAtom, type InferAtom, itemSize } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { PersonV1 } from "../helpers/atoms.js";
import { difference } from "../helpers/same.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
type Item = Record<string, AttributeValue>;

/** Rich fields, odd names (a space, unicode, DynamoDB reserved words), optional fields. */
const Rich = defineAtom({
  name: "rich",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    at: v.date(),
    balance: v.bigint(),
    prefs: v.map(v.string(), v.unknown()),
    tags: v.set(v.string()),
    bytes: v.instance(Uint8Array),
    "odd name": v.string(),
    größe: v.number(),
    size: v.optional(v.number()),
    comment: v.optional(v.string()),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byTenantAt: { pk: ["tenant"], sk: ["at"] } },
});

/** An open schema: fields the schema does not list are part of the value, so whole items. */
const Loose = defineAtom({
  name: "loose",
  version: 1,
  schema: v.looseObject({ tenant: v.string(), id: v.string(), at: v.date() }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byTenantAt: { pk: ["tenant"], sk: ["at"] } },
});

/** Version 1 stored `first` and `last`; version 2 reads them into `full`. */
const Person = defineAtom({
  name: "person",
  version: 2,
  schema: v.object({ tenant: v.string(), id: v.string(), full: v.string(), at: v.date() }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byTenantAt: { pk: ["tenant"], sk: ["at"] } },
  migrate: {
    1: (old) => ({ ...old, full: `${String(old.first)} ${String(old.last)}`, at: new Date(0) }),
  },
});

let table = "";
/** Every item the client's reads returned, raw, by command. */
const returned: { command: string; items: Item[] }[] = [];
let client: DynamoDBClient;

test.before(async () => {
  table = dynamo().tableName("lean");
  client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as {
        Item?: Item;
        Items?: Item[];
        Responses?: Record<string, Item[]>;
      };
      const items = [
        ...(output.Item ? [output.Item] : []),
        ...(output.Items ?? []),
        ...Object.values(output.Responses ?? {}).flat(),
      ];
      returned.push({ command: String(context.commandName), items });
      return result;
    },
    { step: "initialize", name: "leanReadsRecorder" },
  );
  await createStore({ table, atoms: [Rich, Loose, Person], client }).ensureTable({ stream: false });
});

type Value = InferAtom<typeof Rich>;
const richValues = Array.from({ length: 7 }, (_, i) => ({
  tenant: "t1",
  id: `r${i}`,
  at: new Date(1_700_000_000_000 + i * 1000),
  balance: 10n ** 20n + BigInt(i),
  prefs: new Map<string, unknown>([
    ["theme", i % 2 ? "dark" : "light"],
    ["when", new Date(i)],
    ["nested", new Map([[1n, new Set([i])]])],
  ]),
  tags: new Set(i === 0 ? [] : ["a", `t${i}`]),
  bytes: new Uint8Array([0, i, 255]),
  "odd name": `odd ${i}`,
  größe: i / 3,
  // Present, absent, and present-but-undefined.
  ...(i % 3 === 0 ? { size: i } : i % 3 === 1 ? {} : { size: undefined }),
  ...(i % 2 === 0 ? { comment: undefined } : {}),
}));

/** The value decoded from the whole item, read without any projection. */
async function wholeValue(definition: AtomDefinition, key: Item): Promise<unknown> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item === undefined ? undefined : definition.decode(Item);
}

/** The first request of a query, unsent (the query object's `params`, not in its public type). */
function paramsOf(query: unknown): QueryCommandInput | undefined {
  return (query as { params(): QueryCommandInput | undefined }).params();
}

function same(t: { is(a: unknown, b: unknown, m?: string): void }, a: unknown, b: unknown) {
  t.is(difference(a, b), undefined);
}

test.serial("deref, findItems and queries of rich values equal whole-item reads", async (t) => {
  const store = createStore({ table, atoms: [Rich, Loose, Person], client });
  await store.putItems(Rich, richValues);
  // Written by swaps too, so that the items carry versions and write ids.
  const first = richValues[0] as (typeof richValues)[number];
  const atom = store.atom(Rich, { tenant: "t1", id: "r0" }, { init: first });
  await atom.swap((current) => ({ ...current, größe: 42 }));
  const expected: unknown[] = [];
  for (const value of richValues)
    expected.push(await wholeValue(Rich, Rich.keyOf({ tenant: value.tenant, id: value.id })));
  same(t, (expected[0] as { größe: number }).größe, 42);

  same(t, await atom.deref(), expected[0]);
  const keys = [
    ...richValues.map(({ tenant, id }) => ({ tenant, id })),
    { tenant: "t1", id: "absent" },
    { tenant: first.tenant, id: first.id },
  ];
  same(t, await store.findItems(Rich, keys), [...expected, undefined, expected[0]]);
  const params = paramsOf(store.query(Rich).byTenantAt({ tenant: "t1" }));
  t.truthy(params?.ProjectionExpression, "params() shows what the query asks for");
  const all = await store.query(Rich).byTenantAt({ tenant: "t1" }).go();
  same(t, all.items, expected);
  // Pages cut at a limit resume from a cursor made from the last item's keys.
  const paged: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await store
      .query(Rich)
      .byTenantAt({ tenant: "t1" })
      .go({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
    paged.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  same(t, paged, expected);
  const range = await store
    .query(Rich)
    .byTenantAt({ tenant: "t1" })
    .gt({ at: new Date(1_700_000_001_500) })
    .go({ order: "desc" });
  same(t, range.items, expected.slice(2).reverse());
  // A swap after lean reads still writes exactly once on the version it read.
  const swapped = await atom.swap((current) => ({ ...current, größe: current.größe + 1 }));
  t.is(swapped.größe, 43);
  same(t, await wholeValue(Rich, Rich.keyOf({ tenant: "t1", id: "r0" })), swapped);
});

test.serial("reads do not fetch the keys, GSI keys or ElectroDB's markers", async (t) => {
  const store = createStore({ table, atoms: [Rich], client });
  const atom = store.atom(Rich, { tenant: "t1", id: "r1" }, { init: richValues[0] as Value });
  for (let i = 0; i < 5; i++) await atom.swap((current) => ({ ...current, größe: i }));
  const key = Rich.keyOf({ tenant: "t1", id: "r1" });
  const { Item: whole = {} } = await client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  returned.length = 0;
  await atom.deref();
  await store.findItems(Rich, [{ tenant: "t1", id: "r1" }]);
  await store
    .query(Rich)
    .byTenantAt({ tenant: "t1" })
    .eq({ at: new Date(1_700_000_001_000) })
    .go();
  const [get, batch, query] = returned.map(({ command, items }) => ({ command, item: items[0] }));
  t.is(get?.command, "GetItemCommand");
  t.is(batch?.command, "BatchGetItemCommand");
  t.is(query?.command, "QueryCommand");
  const names = (item: Item | undefined) => Object.keys(item ?? {}).sort();
  const notValue = ["pk", "sk", "gsi1pk", "gsi1sk", "__edb_e__", "__edb_v__"];
  t.deepEqual(
    names(get?.item),
    names(whole).filter((name) => !notValue.includes(name)),
  );
  t.true(names(get?.item).includes("_writes"), "a swap's read keeps the write ids");
  // findItems matches answers by pk/sk; neither it nor a query reads the write ids.
  const decoded = (extra: string[]) =>
    names(whole).filter(
      (name) => extra.includes(name) || !(notValue.includes(name) || name.startsWith("_w")),
    );
  t.deepEqual(
    names(batch?.item),
    decoded(["pk", "sk"]).filter((name) => name !== "_ver"),
  );
  t.deepEqual(
    names(query?.item),
    decoded(["pk", "sk", "gsi1pk", "gsi1sk"]).filter((name) => name !== "_ver"),
  );
  const sizes = { whole: itemSize(whole), deref: itemSize(get?.item ?? {}) };
  t.true(sizes.deref < sizes.whole);
  t.true(itemSize(batch?.item ?? {}) < sizes.deref, "no write ids");
  t.log(
    `bytes returned: whole item ${sizes.whole}, deref ${sizes.deref}, findItems ` +
      `${itemSize(batch?.item ?? {})}, query ${itemSize(query?.item ?? {})}`,
  );
});

test.serial("an open schema reads whole items: fields it does not list survive", async (t) => {
  const store = createStore({ table, atoms: [Loose], client });
  const value = { tenant: "t2", id: "l1", at: new Date(5), extra: new Set([1n]), more: "x" };
  await store.atom(Loose, { tenant: "t2", id: "l1" }).reset(value);
  const expected = await wholeValue(Loose, Loose.keyOf({ tenant: "t2", id: "l1" }));
  same(t, (expected as { more: string }).more, "x");
  returned.length = 0;
  same(t, await store.atom(Loose, { tenant: "t2", id: "l1" }).deref(), expected);
  same(t, await store.findItems(Loose, [{ tenant: "t2", id: "l1" }]), [expected]);
  same(t, (await store.query(Loose).byTenantAt({ tenant: "t2" }).go()).items, [expected]);
  for (const { items } of returned) t.true(Object.hasOwn(items[0] ?? {}, "__edb_e__"));
  t.is(paramsOf(store.query(Loose).byTenantAt({ tenant: "t2" }))?.ProjectionExpression, undefined);
});

test.serial(
  "an atom type with migrations reads whole items: old fields reach the step",
  async (t) => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: PersonV1.encode({ tenant: "t3", id: "p1", first: "Ada", last: "Lovelace" }),
      }),
    );
    const store = createStore({ table, atoms: [Person], client });
    const expected = { tenant: "t3", id: "p1", full: "Ada Lovelace", at: new Date(0) };
    same(t, await store.atom(Person, { tenant: "t3", id: "p1" }).deref(), expected);
    same(t, await store.findItems(Person, [{ tenant: "t3", id: "p1" }]), [expected]);
    // The v1 item has no index keys for `byTenantAt`; a v2 write gives it some.
    await store.atom(Person, { tenant: "t3", id: "p2" }).reset({ ...expected, id: "p2" });
    same(t, (await store.query(Person).byTenantAt({ tenant: "t3" }).go()).items, [
      { ...expected, id: "p2" },
    ]);
  },
);

const Strict = defineAtom({
  name: "strict",
  version: 1,
  schema: v.strictObject({ name: v.string(), n: v.number() }),
  key: ["name"],
});

test.serial(
  "an attribute the schema does not name: deref and findItems agree, a swap works",
  async (t) => {
    // Another tool added it, or a field left the schema under the same version. A whole-item read
    // (a type without indexes) must give what a projected one gives: the schema's fields.
    const store = createStore({ table, atoms: [Strict], client });
    const atom = store.atom(Strict, { name: "s1" }, { init: { name: "s1", n: 0 } });
    await atom.reset({ name: "s1", n: 1 });
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...Strict.encode({ name: "s1", n: 1 }), _ver: { N: "1" }, legacy: { S: "old" } },
      }),
    );
    const fresh = createStore({ table, atoms: [Strict], client });
    const viaDeref = await fresh.atom(Strict, { name: "s1" }).deref();
    const [viaFind] = await fresh.findItems(Strict, [{ name: "s1" }]);
    t.deepEqual(viaDeref, { name: "s1", n: 1 });
    t.deepEqual(viaFind, viaDeref);
    t.deepEqual(
      await fresh.atom(Strict, { name: "s1" }).swap((c) => ({ name: "s1", n: (c?.n ?? 0) + 1 })),
      {
        name: "s1",
        n: 2,
      },
    );
  },
);
