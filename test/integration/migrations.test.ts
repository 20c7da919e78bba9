import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const schemaV1 = v.object({ id: v.string(), name: v.string() });
const schemaV2 = v.object({ id: v.string(), first: v.string(), last: v.string() });
const schemaV3 = v.object({ id: v.string(), first: v.string(), last: v.string(), since: v.date() });
type V1 = v.InferOutput<typeof schemaV1>;
type V2 = v.InferOutput<typeof schemaV2>;

const toV2 = (old: V1): V2 => {
  const [first = "", ...rest] = old.name.split(" ");
  return { id: old.id, first, last: rest.join(" ") };
};
const toV3 = (old: V2) => ({ ...old, since: new Date(0) });

const PersonV1 = defineAtom({ name: "person", version: 1, schema: schemaV1, key: ["id"] });
const PersonV2 = defineAtom({
  name: "person",
  version: 2,
  schema: schemaV2,
  key: ["id"],
  migrate: { 1: toV2 },
});
const PersonV3 = defineAtom({
  name: "person",
  version: 3,
  schema: schemaV3,
  key: ["id"],
  migrate: { 1: toV2, 2: toV3 },
});

let table = "";
let client: DynamoDBClient;
test.before(async () => {
  table = dynamo().tableName("people");
  client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const store = createStore({ table, atoms: [PersonV1], client });
  await store.ensureTable({ stream: false });
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: PersonV1.encode({ id: "p1", name: "Ada King Lovelace" }),
    }),
  );
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: PersonV3.encode({ id: "p3", first: "Grace", last: "Hopper", since: new Date(5) }),
    }),
  );
});

const open = <D extends typeof PersonV1 | typeof PersonV2 | typeof PersonV3>(definition: D) =>
  createStore({ table, atoms: [definition], client });

test("every item records the schema version it was written with", (t) => {
  t.is(PersonV1.encode({ id: "x", name: "A B" })._schema?.N, "1");
  t.is(PersonV3.encode({ id: "x", first: "A", last: "B", since: new Date(0) })._schema?.N, "3");
});

test("a v1 item read by the v2 definition is migrated", async (t) => {
  t.deepEqual(await open(PersonV2).atom(PersonV2, { id: "p1" }).deref(), {
    id: "p1",
    first: "Ada",
    last: "King Lovelace",
  });
});

test("a v1 item read by the v3 definition runs both steps in order", async (t) => {
  t.deepEqual(await open(PersonV3).atom(PersonV3, { id: "p1" }).deref(), {
    id: "p1",
    first: "Ada",
    last: "King Lovelace",
    since: new Date(0),
  });
});

test("an item of the current version is read as is", async (t) => {
  t.deepEqual(await open(PersonV3).atom(PersonV3, { id: "p3" }).deref(), {
    id: "p3",
    first: "Grace",
    last: "Hopper",
    since: new Date(5),
  });
});

test("an item from a newer version than the code knows fails clearly", async (t) => {
  const err = await t.throwsAsync(open(PersonV2).atom(PersonV2, { id: "p3" }).deref());
  t.true(isDynatomError(err, "schema.newer-version"));
  t.regex(
    err?.message ?? "",
    /written with schema version 3, but this code knows versions up to 2/,
  );
});

test("a missing migration step is named", async (t) => {
  const Gap = defineAtom({
    name: "person",
    version: 3,
    schema: schemaV3,
    key: ["id"],
    migrate: { 2: toV3 },
  });
  const err = await t.throwsAsync(open(Gap).atom(Gap, { id: "p1" }).deref());
  t.true(isDynatomError(err, "schema.migration-failed"));
  t.regex(err?.message ?? "", /there is no migrate\[1\] \(version 1 → 2\)/);
});

test("a migration whose result does not match the schema fails, naming the versions", async (t) => {
  const Broken = defineAtom({
    name: "person",
    version: 2,
    schema: schemaV2,
    key: ["id"],
    migrate: { 1: (old) => ({ id: old.id }) },
  });
  const err = t.throws(() => Broken.decode(PersonV1.encode({ id: "p9", name: "X Y" })));
  t.true(isDynatomError(err, "schema.migration-failed"));
  t.regex(err?.message ?? "", /the migrated value does not match schema version 2/);
  const Throws = defineAtom({
    name: "person",
    version: 2,
    schema: schemaV2,
    key: ["id"],
    migrate: {
      1: () => {
        throw new Error("no");
      },
    },
  });
  t.regex(
    t.throws(() => Throws.decode(PersonV1.encode({ id: "p9", name: "X Y" })))?.message ?? "",
    /migrate\[1\] threw: no/,
  );
});
