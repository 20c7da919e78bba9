// query.select's decoding, without I/O: the fields asked for, checked; an older item migrated
// whole first; a newer one refused; fields that are not the value's refused.
import test from "ava";
import { defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";
import { selection } from "../../src/query/select.js";
import { PersonV1 } from "../helpers/atoms.js";

const Person = defineAtom({
  name: "person",
  version: 2,
  schema: v.object({ tenant: v.string(), id: v.string(), full: v.string(), at: v.date() }),
  key: { pk: ["tenant"], sk: ["id"] },
  migrate: {
    1: (old) => ({ ...old, full: `${String(old.first)} ${String(old.last)}`, at: new Date(0) }),
  },
});
const Flat = defineAtom({
  name: "flat",
  version: 1,
  schema: v.object({ id: v.string(), at: v.date(), n: v.number() }),
  key: ["id"],
});
const index = { name: "primary", gsi: "" };

test("only the fields asked for, restored and checked; the projection names them", (t) => {
  const chosen = selection(Flat, index, ["at"]);
  t.deepEqual(chosen.decode(Flat.encode({ id: "f1", at: new Date(5), n: 1 })), { at: new Date(5) });
  t.deepEqual(
    new Set(chosen.projection?.attributes),
    new Set(["pk", "sk", "at", "_types", "_schema"]),
  );
  const wrong = { ...Flat.encode({ id: "f1", at: new Date(5), n: 1 }), n: { S: "one" } };
  const err = t.throws(() => selection(Flat, index, ["n"]).decode(wrong));
  t.true(isDynatomError(err, "decode.schema-mismatch"), String(err));
});

test("a type with migrations reads whole items and migrates them before picking", (t) => {
  const chosen = selection(Person, index, ["full"]);
  t.is(chosen.projection, undefined);
  const old = PersonV1.encode({ tenant: "t", id: "p1", first: "Ada", last: "Lovelace" });
  t.deepEqual(chosen.decode(old), { full: "Ada Lovelace" });
});

test("an item of a newer schema version is refused, as a whole read refuses it", (t) => {
  const chosen = selection(Flat, index, ["n"]);
  const newer = { ...Flat.encode({ id: "f1", at: new Date(5), n: 1 }), _schema: { N: "2" } };
  const err = t.throws(() => chosen.decode(newer));
  t.true(isDynatomError(err, "schema.newer-version"), String(err));
});

test("fields that are not the value's, or none, are refused naming them", (t) => {
  for (const fields of [["nope"], [], "at", [1]]) {
    const err = t.throws(() => selection(Flat, index, fields));
    t.true(isDynatomError(err, "query.invalid-condition"), String(err));
  }
});
