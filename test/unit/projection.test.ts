// Lean reads: which attributes each read asks for, worked out from the schema, and how the
// request builders carry them.
import test from "ava";
import { defineAtom } from "dynatom";
import * as v from "valibot";
import { batchGet, getAtom, projectionOf, queryIndex } from "../../src/requests/index.js";
import { BOOKKEEPING_ATTRIBUTES } from "../../src/schema/bookkeeping.js";
import { valueFields } from "../../src/schema/introspect.js";
import { readProjections } from "../../src/schema/projection.js";

const key = { pk: { S: "$app#counter_1#name_a" }, sk: { S: "$counter_1" } };

/** The attribute names a request's projection stands for, in order. */
function projected(input: {
  ProjectionExpression?: string | undefined;
  ExpressionAttributeNames?: Record<string, string> | undefined;
}): string[] | undefined {
  if (input.ProjectionExpression === undefined) return undefined;
  return input.ProjectionExpression.split(", ").map(
    (placeholder) => input.ExpressionAttributeNames?.[placeholder] ?? `?${placeholder}`,
  );
}

test("a projection names every attribute through a placeholder, whatever its name", (t) => {
  const odd = ["name", "a b", "größe", "#x", ":y", "size", "x.y", "[0]", "🦆"];
  const projection = projectionOf(odd);
  t.truthy(projection);
  t.is(projection?.expression, odd.map((_, i) => `#p${i}`).join(", "));
  t.deepEqual(Object.values(projection?.names ?? {}), odd);
  t.deepEqual(projected(getAtom("app", key, projection)), odd);
});

test("a projection DynamoDB could not take (an expression over 4 KB) is not made", (t) => {
  t.is(projectionOf([]), undefined);
  const many = Array.from({ length: 1_000 }, (_, i) => `field${i}`);
  t.is(projectionOf(many), undefined, "whole items are read instead");
  t.deepEqual(projectionOf(["a", "a", "b"])?.attributes, ["a", "b"]);
});

test("builders without a projection read whole items, as before", (t) => {
  t.deepEqual(getAtom("app", key), { TableName: "app", Key: key, ConsistentRead: true });
  t.deepEqual(batchGet("app", [key], true), {
    RequestItems: { app: { Keys: [key], ConsistentRead: true } },
  });
  const read = {
    table: "app",
    gsi: "gsi1",
    partition: "p",
    sort: { expression: "#sk = :sk", values: { ":sk": { S: "s" } } },
    ascending: true,
    start: undefined,
    limit: undefined,
  };
  const plain = queryIndex(read);
  t.is(plain.ProjectionExpression, undefined);
  t.deepEqual(plain.ExpressionAttributeNames, { "#pk": "gsi1pk", "#sk": "gsi1sk" });
  const lean = queryIndex({ ...read, projection: projectionOf(["gsi1pk", "n"]) });
  t.is(lean.ProjectionExpression, "#p0, #p1");
  t.deepEqual(lean.ExpressionAttributeNames, {
    "#pk": "gsi1pk",
    "#sk": "gsi1sk",
    "#p0": "gsi1pk",
    "#p1": "n",
  });
  const batch = batchGet("app", [key], false, projectionOf(["pk", "sk", "n"]));
  t.deepEqual(projected(batch.RequestItems?.app ?? {}), ["pk", "sk", "n"]);
});

test("the fields of closed objects are named; open shapes are not", (t) => {
  const entries = { id: v.string(), n: v.optional(v.number()) };
  t.deepEqual(valueFields(v.object(entries)), ["id", "n"]);
  t.deepEqual(valueFields(v.strictObject(entries)), ["id", "n"]);
  t.deepEqual(
    valueFields(
      v.pipe(
        v.object(entries),
        v.check(() => true),
      ),
    ),
    ["id", "n"],
  );
  t.deepEqual(valueFields(v.pipe(v.object(entries), v.readonly(), v.brand("X"))), ["id", "n"]);
  t.deepEqual(valueFields(v.nonOptional(v.optional(v.object(entries)))), ["id", "n"]);
  t.is(valueFields(v.looseObject(entries)), undefined);
  t.is(valueFields(v.objectWithRest(entries, v.number())), undefined);
  t.is(valueFields(v.record(v.string(), v.number())), undefined);
  t.is(valueFields(v.union([v.object(entries), v.object({ other: v.string() })])), undefined);
  t.is(valueFields(v.variant("id", [v.object({ id: v.literal("a") })])), undefined);
  t.is(valueFields(v.custom<Record<string, unknown>>(() => true)), undefined);
  t.is(
    valueFields(
      v.pipe(
        v.object(entries),
        v.transform((x) => ({ ...x, extra: 1 })),
      ),
    ),
    undefined,
  );
  t.is(valueFields(v.lazy(() => v.object(entries))), undefined);
});

const Account = defineAtom({
  name: "account",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    email: v.string(),
    "odd name": v.optional(v.string()),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byEmail: { pk: ["email"] } },
});

test("atom reads ask for the value, the note and the bookkeeping; not keys or ElectroDB's", (t) => {
  const { atom, find, query } = readProjections(Account);
  const value = ["tenant", "id", "email", "odd name", "_types", "_schema"];
  const protocol = [...BOOKKEEPING_ATTRIBUTES].filter((name) => !name.startsWith("__edb_"));
  t.deepEqual(new Set(atom?.attributes), new Set([...value, ...protocol]));
  for (const absent of ["pk", "sk", "gsi1pk", "gsi1sk", "__edb_e__", "__edb_v__"])
    t.false(atom?.attributes.includes(absent), absent);
  // findItems matches answers to keys by pk/sk; it never reads the write ids.
  t.deepEqual(new Set(find?.attributes), new Set(["pk", "sk", ...value]));
  const gsi = Account.indexes[0]?.gsi ?? "";
  t.deepEqual(
    new Set(query(gsi)?.attributes),
    new Set(["pk", "sk", `${gsi}pk`, `${gsi}sk`, ...value]),
  );
  t.is(readProjections(Account), readProjections(Account), "computed once per definition");
});

test("without indexes, atom reads take the whole item; findItems still projects", (t) => {
  // All the atom read would leave out is the key and ElectroDB's markers: not worth an
  // expression DynamoDB must parse on every read.
  const Plain = defineAtom({
    name: "plain",
    version: 1,
    schema: v.object({ id: v.string(), n: v.number() }),
    key: ["id"],
  });
  const { atom, find } = readProjections(Plain);
  t.is(atom, undefined);
  t.is(getAtom("app", key, atom).ProjectionExpression, undefined);
  t.deepEqual(new Set(find?.attributes), new Set(["pk", "sk", "id", "n", "_types", "_schema"]));
});

test("an atom type with migrations, or an open schema, reads whole items", (t) => {
  const Migrated = defineAtom({
    name: "migrated",
    version: 2,
    schema: v.object({ id: v.string(), full: v.string() }),
    key: ["id"],
    migrate: { 1: (old) => ({ id: old.id, full: `${String(old.first)} ${String(old.last)}` }) },
  });
  const Loose = defineAtom({
    name: "loose",
    version: 1,
    schema: v.looseObject({ id: v.string() }),
    key: ["id"],
  });
  for (const definition of [Migrated, Loose]) {
    const { atom, find, query } = readProjections(definition);
    t.is(atom, undefined);
    t.is(find, undefined);
    t.is(query("gsi1"), undefined);
    t.is(getAtom("app", key, atom).ProjectionExpression, undefined);
  }
});
