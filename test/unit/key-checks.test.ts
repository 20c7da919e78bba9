import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";
import { Account } from "../helpers/atoms.js";

const Item = defineAtom({
  name: "item",
  version: 1,
  schema: v.object({ id: v.number(), at: v.date(), label: v.string() }),
  key: { pk: ["id"], sk: ["at"] },
  indexes: { byLabel: { pk: ["label"] } },
});

// No request is ever sent by these tests: every refusal comes before any I/O.
const store = createStore({
  table: "never-reached",
  atoms: [Item, Account],
  endpoint: "http://127.0.0.1:9",
});

function invalidKey(t: import("ava").ExecutionContext, fn: () => unknown, field: RegExp) {
  const err = t.throws(fn);
  t.true(isDynatomError(err, "schema.invalid-key"), String(err));
  t.regex(err?.message ?? "", field);
  return err;
}

test("a key field of the wrong type is refused, naming the atom and the field", (t) => {
  const key = JSON.parse('{"id":"5","at":"2026-01-01T00:00:00.000Z"}');
  const err = invalidKey(t, () => store.atom(Item, key), /Atom "item".*"id".*number.*string "5"/);
  if (isDynatomError(err, "schema.invalid-key")) t.is(err.details.field, "id");
  invalidKey(t, () => Item.keyOf({ id: 5, at: "2026-01-01" as unknown as Date }), /"at".*Date/);
  invalidKey(t, () => Item.keyOf({ id: 5, at: new Date(Number.NaN) }), /"at"/);
});

test("a missing key field is refused, naming it", (t) => {
  invalidKey(t, () => Item.keyOf({ id: 5 } as never), /"at".*missing/);
  invalidKey(t, () => store.atom(Account, { tenant: "t1" } as never), /"id".*missing/);
});

test("batch and transaction keys are checked the same way, naming their position", async (t) => {
  const bad = [{ id: 1, at: new Date(0) }, JSON.parse('{"id":"2","at":null}')];
  const found = await t.throwsAsync(store.findItems(Item, bad));
  t.true(isDynatomError(found, "schema.invalid-key"), String(found));
  t.regex(found?.message ?? "", /keys\[1\]/);
  const deleted = await t.throwsAsync(store.deleteItems(Item, bad));
  t.true(isDynatomError(deleted, "schema.invalid-key"), String(deleted));
  const tx = await t.throwsAsync(store.transact((tx) => [tx.delete(Item, bad[1])]));
  t.true(isDynatomError(tx, "schema.invalid-key"), String(tx));
});

test("keys over DynamoDB's sizes are refused before any request", (t) => {
  const long = (n: number) => "é".repeat(n / 2);
  // A sort key takes 1,024 bytes, a partition key 2,048, in UTF-8, GSI keys alike.
  invalidKey(t, () => Account.keyOf({ tenant: "t", id: long(1_100) }), /sort key.*1,024/);
  invalidKey(t, () => Account.keyOf({ tenant: long(2_100), id: "a" }), /partition key.*2,048/);
  const value = {
    tenant: "t",
    id: "a",
    email: `${"x".repeat(2_100)}@example.com`,
    balance: 0n,
    createdAt: new Date(0),
    score: 0,
    tags: new Set<string>(),
    prefs: new Map(),
  };
  invalidKey(t, () => Account.encode(value), /gsi1pk.*2,048/);
  t.notThrows(() => Account.keyOf({ tenant: "t", id: "x".repeat(900) }));
});
