// The module codegen wrote from the corpus, used as a user would: a store with its atoms on
// DynamoDB Local, values written and read back, constraints refusing bad values.
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, ValidationError } from "dynatom";
import { Account, Counter, EveryType } from "../fixtures/codegen/expected.gen.js";
import { account, every } from "../fixtures/codegen/values.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
const open = () =>
  createStore({ table, atoms: [Account, Counter, EveryType], client: dynamo().client });

test.before(async () => {
  table = dynamo().tableName("gen");
  await open().ensureTable({ stream: false });
});

test("values of every generated atom are written and read back equal", async (t) => {
  const store = open();
  await store.atom(Account, { tenant: "t1", id: "a1" }).reset(account);
  await store.atom(Counter, { name: "c" }).reset({ name: "c", n: 7 });
  await store.atom(EveryType, { id: every.id }).reset(every);
  const { nested: _, site: __, ...sparse } = every;
  await store.atom(EveryType, { id: "2d7a4f0e-0c3b-4c55-8e9a-1b2c3d4e5f60" }).reset({
    ...sparse,
    id: "2d7a4f0e-0c3b-4c55-8e9a-1b2c3d4e5f60",
    ratio: 0.75,
  });

  const again = open();
  t.deepEqual(await again.atom(Account, { tenant: "t1", id: "a1" }).deref(), account);
  t.deepEqual(await again.atom(Counter, { name: "c" }).deref(), { name: "c", n: 7 });
  t.deepEqual(await again.atom(EveryType, { id: every.id }).deref(), every);
  t.deepEqual(await again.atom(EveryType, { id: "2d7a4f0e-0c3b-4c55-8e9a-1b2c3d4e5f60" }).deref(), {
    ...sparse,
    id: "2d7a4f0e-0c3b-4c55-8e9a-1b2c3d4e5f60",
    ratio: 0.75,
  });
});

test("the generated migrate option upgrades a version 1 account", async (t) => {
  // An item as version 1 wrote it: no history, stamped with schema version 1.
  const { history: _, ...item } = Account.encode({ ...account, id: "old", history: [] });
  await dynamo().client.send(
    new PutItemCommand({ TableName: table, Item: { ...item, _schema: { N: "1" } } }),
  );
  const read = await open().atom(Account, { tenant: "t1", id: "old" }).deref();
  t.deepEqual(read, { ...account, id: "old", history: [] });
});

test("constraints refuse bad values with a ValidationError, and nothing is written", async (t) => {
  const store = open();
  const bad: [string, () => Promise<unknown>][] = [
    ["empty id", () => store.atom(Account, { tenant: "t1", id: "" }).reset({ ...account, id: "" })],
    [
      "email",
      () => store.atom(Account, { tenant: "t1", id: "a1" }).reset({ ...account, email: "nope" }),
    ],
    [
      "score above max",
      () => store.atom(Account, { tenant: "t1", id: "a1" }).reset({ ...account, score: 101 }),
    ],
    [
      "zip pattern",
      () =>
        store
          .atom(Account, { tenant: "t1", id: "a1" })
          .reset({ ...account, address: { city: "P", zip: "7500" } }),
    ],
    [
      "status",
      () =>
        store
          .atom(Account, { tenant: "t1", id: "a1" })
          .reset({ ...account, status: "open" as "active" }),
    ],
    [
      "counter below min",
      () => store.atom(Counter, { name: "never" }).reset({ name: "never", n: -1 }),
    ],
    ["integer", () => store.atom(Counter, { name: "never" }).reset({ name: "never", n: 1.5 })],
    ["uuid", () => store.atom(EveryType, { id: "x" }).reset({ ...every, id: "x" })],
    [
      "bigint above max",
      () => store.atom(EveryType, { id: every.id }).reset({ ...every, big: 9007199254740994n }),
    ],
    [
      "date below min",
      () =>
        store
          .atom(EveryType, { id: every.id })
          .reset({ ...every, when: new Date("2019-12-31T00:00:00Z") }),
    ],
    [
      "code too long",
      () => store.atom(EveryType, { id: every.id }).reset({ ...every, code: "abcdefghi" }),
    ],
    [
      "empty bytes",
      () => store.atom(EveryType, { id: every.id }).reset({ ...every, blob: new Uint8Array() }),
    ],
    ["empty list", () => store.atom(EveryType, { id: every.id }).reset({ ...every, items: [] })],
    ["url", () => store.atom(EveryType, { id: every.id }).reset({ ...every, site: "not a url" })],
    ["literal", () => store.atom(EveryType, { id: every.id }).reset({ ...every, one: 2 as 1 })],
    [
      "nested enum",
      () =>
        store
          .atom(EveryType, { id: every.id })
          .reset({ ...every, nested: { inner: { deep: "z" as "x" }, "with space": "" } }),
    ],
  ];
  for (const [label, write] of bad) {
    const error = await t.throwsAsync(write, { instanceOf: ValidationError }, label);
    t.true(Array.isArray((error?.details as { issues?: unknown } | undefined)?.issues), label);
  }
  t.is(await store.atom(Counter, { name: "never" }).deref(), undefined);
});
