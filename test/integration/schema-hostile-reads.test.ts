import { type AttributeValue, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, DecodeError, defineAtom } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { recordRequests } from "../helpers/requests.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** The value of an atom the test has written: never absent. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the atom is absent");
  return value;
}

const Score = defineAtom({
  name: "score",
  version: 1,
  schema: v.object({
    group: v.string(),
    id: v.string(),
    n: v.number(),
    level: v.optional(v.number(), 1),
    tags: v.array(v.string()),
    prefs: v.object({ theme: v.picklist(["light", "dark"]) }),
  }),
  key: ["id"],
  indexes: { byGroup: { pk: ["group"], sk: ["id"] } },
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("hostile");
  await createStore({ table, atoms: [Score], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

let count = 0;
function open() {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  return {
    client,
    requests,
    store: createStore({ table, atoms: [Score], client }),
    id: `s${++count}`,
  };
}

const good = (id: string, group = "g"): v.InferOutput<typeof Score.schema> => ({
  group,
  id,
  n: 1,
  level: 1,
  tags: ["a"],
  prefs: { theme: "light" },
});

/** Writes, with the raw SDK, a good item of Score changed by `change` (undefined removes). */
async function putHostile(
  client: DynamoDBClient,
  value: v.InferOutput<typeof Score.schema>,
  change: Record<string, AttributeValue | undefined>,
) {
  const item: Record<string, AttributeValue> = { ...Score.encode(value), _ver: { N: "1" } };
  for (const [name, av] of Object.entries(change)) {
    if (av === undefined) delete item[name];
    else item[name] = av;
  }
  await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

const wrongTypes: [string, Record<string, AttributeValue | undefined>, RegExp][] = [
  [
    "a string for a number",
    { n: { S: "abc" } },
    /at n is the string "abc", but the schema reads number/,
  ],
  ["a map for a number", { n: { M: {} } }, /at n is an object, but the schema reads number/],
  [
    "a number in a list of strings",
    { tags: { L: [{ S: "a" }, { N: "1" }] } },
    /at tags\[1\] is the number 1/,
  ],
  [
    "a value off a picklist",
    { prefs: { M: { theme: { S: "blue" } } } },
    /at prefs\.theme is the string "blue"/,
  ],
  ["a missing field", { n: undefined }, /at n is missing/],
];

for (const [what, change, message] of wrongTypes) {
  test(`deref refuses ${what}, naming the atom, key and path`, async (t) => {
    const { store, client, id } = open();
    await putHostile(client, good(id), change);
    const err = await t.throwsAsync(store.atom(Score, { id }).deref(), { instanceOf: DecodeError });
    t.is(err?.code, "decode.schema-mismatch");
    t.regex(err?.message ?? "", new RegExp(`^Atom "score" \\{"id":"${id}"\\}: `));
    t.regex(err?.message ?? "", message);
    t.like(err?.details, { atom: "score", key: JSON.stringify({ id }) });
  });
}

test("findItems and queries refuse a stored value of the wrong type", async (t) => {
  const { store, client, requests, id } = open();
  const group = `g-${id}`;
  await store.putItems(Score, [good(`${id}-a`, group), good(`${id}-c`, group)]);
  await putHostile(client, good(`${id}-b`, group), { n: { S: "abc" } });
  requests.clear();
  const found = await t.throwsAsync(
    store.findItems(Score, [{ id: `${id}-a` }, { id: `${id}-b` }]),
    { instanceOf: DecodeError },
  );
  t.like(found?.details, { path: "n", key: JSON.stringify({ id: `${id}-b` }) });
  t.deepEqual(requests.sent, ["BatchGetItemCommand"], "a decode error is not retried");
  const queried = await t.throwsAsync(store.query(Score).byGroup({ group }).go(), {
    instanceOf: DecodeError,
  });
  t.is(queried?.code, "decode.schema-mismatch");
  t.like(queried?.details, { path: "n", expected: "number", found: 'the string "abc"' });
});

test("a field missing with a default reads as its default, as valibot would give it", async (t) => {
  const { store, client, id } = open();
  await putHostile(client, { ...good(id), level: 5 }, { level: undefined });
  t.deepEqual(await store.atom(Score, { id }).deref(), { ...good(id), level: 1 });
});

const badVersions: [string, AttributeValue][] = [
  ["a fraction", { N: "1.5" }],
  ["a negative number", { N: "-1" }],
  ["zero", { N: "0" }],
  ["a string", { S: "3" }],
  ["an unsafe integer", { N: "123456789012345678" }],
];

for (const [what, ver] of badVersions) {
  test(`an atom version that is ${what} is refused at read, not a swap that conflicts forever`, async (t) => {
    const { store, client, requests, id } = open();
    await putHostile(client, good(id), { _ver: ver });
    const atom = store.atom(Score, { id });
    const read = await t.throwsAsync(atom.deref(), { instanceOf: DecodeError });
    t.is(read?.code, "decode.invalid-bookkeeping");
    t.like(read?.details, { atom: "score", key: JSON.stringify({ id }), attribute: "_ver" });
    t.regex(read?.message ?? "", /"_ver" cannot be read/);
    requests.clear();
    const swap = await t.throwsAsync(
      atom.swap((s) => ({ ...present(s), n: present(s).n + 1 })),
      { instanceOf: DecodeError },
    );
    t.is(swap?.code, "decode.invalid-bookkeeping");
    t.deepEqual(requests.sent, ["GetItemCommand"], "nothing written, no retries");
  });
}

test("a schema version that is not a whole number is refused at read", async (t) => {
  const { store, client, id } = open();
  await putHostile(client, good(id), { _schema: { N: "0.5" } });
  const err = await t.throwsAsync(store.atom(Score, { id }).deref(), { instanceOf: DecodeError });
  t.is(err?.code, "decode.invalid-bookkeeping");
  t.like(err?.details, { attribute: "_schema" });
});
