import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  compareUtf8,
  compositeForm,
  defineAtom,
  EncodingError,
  indexForm,
  isDynatomError,
  ValidationError,
} from "dynatom";
import fc from "fast-check";
import * as v from "valibot";

const Thing = defineAtom({
  name: "Thing",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    score: v.number(),
    at: v.date(),
    big: v.bigint(),
    ok: v.boolean(),
    email: v.pipe(v.string(), v.email()),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: {
    byScore: { pk: ["tenant"], sk: ["score"] },
    byTime: { pk: ["ok"], sk: ["at", "big"] },
    byEmail: { pk: ["email"] },
  },
});

const client = new DynamoDBClient({ region: "local", endpoint: "http://127.0.0.1:9" });
const entity = Thing.entity("table", client);

const value = fc.record({
  tenant: fc.string({ unit: "binary", minLength: 1 }),
  id: fc.string({ unit: "binary" }),
  score: fc.double({ noNaN: true }),
  at: fc.date({ noInvalidDate: true }),
  big: fc.bigInt(),
  ok: fc.boolean(),
  email: fc.stringMatching(/^[A-Za-z0-9]{1,12}@[a-z]{1,8}\.com$/),
});

test("keys written by dynatom are exactly the generated ElectroDB entity's keys", (t) => {
  fc.assert(
    fc.property(value, (thing) => {
      const item = Thing.encode(thing);
      const forms = {
        tenant: indexForm(thing.tenant),
        id: indexForm(thing.id),
        score: indexForm(thing.score),
        // at and big make one key together: their forms go through compositeForm.
        at: compositeForm(indexForm(thing.at)),
        big: compositeForm(indexForm(thing.big)),
        ok: indexForm(thing.ok),
        email: indexForm(thing.email),
      };
      const params = entity.put(forms).params() as { Item: Record<string, string> };
      for (const name of [
        "pk",
        "sk",
        "gsi1pk",
        "gsi1sk",
        "gsi2pk",
        "gsi2sk",
        "gsi3pk",
        "gsi3sk",
        "__edb_e__",
        "__edb_v__",
      ]) {
        if (item[name]?.S !== params.Item[name])
          throw new Error(`${name}: ${item[name]?.S} vs ${params.Item[name]}`);
      }
      const { Key } = entity.get({ tenant: forms.tenant, id: forms.id }).params() as {
        Key: Record<string, string>;
      };
      const own = Thing.keyOf({ tenant: thing.tenant, id: thing.id });
      if (own.pk?.S !== Key.pk || own.sk?.S !== Key.sk)
        throw new Error("keyOf differs from the entity's get key");
    }),
    { numRuns: 500, includeErrorInReport: true },
  );
  t.pass();
});

test("key casing is preserved", (t) => {
  const item = Thing.encode({
    tenant: "ACME",
    id: "Ab-C",
    score: 1,
    at: new Date(0),
    big: 1n,
    ok: true,
    email: "Ada@X.com",
  });
  t.is(item.pk?.S, "$dynatom#tenant_ACME");
  t.is(item.sk?.S, "$Thing_1#id_Ab-C");
  t.is(item.gsi3pk?.S, "$dynatom#email_Ada@X.com");
});

test("in a key of several fields any value is allowed, and values never run into each other", (t) => {
  const Pair = defineAtom({
    name: "pair",
    version: 1,
    schema: v.object({ a: v.string(), b: v.string() }),
    key: { pk: ["a", "b"] },
  });
  t.is(Pair.encode({ a: "x", b: "y" }).pk?.S, "$dynatom#a_x#b_y");
  // "#" and everything up to "$" are written as "$" and a letter, so the separator stays unique.
  t.is(Pair.keyOf({ a: "x#b_y", b: "z" }).pk?.S, "$dynatom#a_x$cb_y#b_z");
  t.not(Pair.keyOf({ a: "x#b_y", b: "z" }).pk?.S, Pair.keyOf({ a: "x", b: "y#b_z" }).pk?.S);
  t.is(compositeForm("Smith Jr"), "Smith$`Jr");
  // One field alone is written as it is.
  t.is(Thing.keyOf({ tenant: "a#b", id: "c#d" }).sk?.S, "$Thing_1#id_c#d");
});

test("compositeForm keeps the order of strings and puts every character above the separator", (t) => {
  const text = fc.string({
    unit: fc.constantFrom("\u0000", " ", "!", "#", "$", "%", "a", "é", "😀"),
  });
  fc.assert(
    fc.property(text, text, (a, b) => {
      const ea = compositeForm(a);
      const eb = compositeForm(b);
      if (Math.sign(compareUtf8(ea, eb)) !== Math.sign(compareUtf8(a, b))) return false;
      // A value and its extensions stay together: "#" sorts below any continuation.
      return [...ea].every((c) => c > "#");
    }),
  );
  t.pass();
});

test("encode validates first: a ValidationError names the atom and carries valibot's issues", (t) => {
  const err = t.throws(() =>
    Thing.encode({
      tenant: "t",
      id: 7,
      score: "x",
      at: new Date(0),
      big: 1n,
      ok: true,
      email: "nope",
    } as never),
  );
  t.true(err instanceof ValidationError);
  t.true(isDynatomError(err, "schema.invalid-value"));
  if (!isDynatomError(err, "schema.invalid-value")) return;
  t.is(err.details.atom, "Thing");
  t.deepEqual(
    err.details.issues.map((issue) => issue.path?.join(".")),
    ["id", "score", "email"],
  );
  t.regex(
    err.message,
    /Atom "Thing": the value does not match its schema, so nothing was written: id: /,
  );
});

test("a key value without an order is refused before any request", (t) => {
  const err = t.throws(() =>
    Thing.encode({
      tenant: "t",
      id: "a\uD800",
      score: 1,
      at: new Date(0),
      big: 1n,
      ok: true,
      email: "a@b.com",
    }),
  );
  t.true(err instanceof EncodingError);
  t.regex(err?.message ?? "", /Atom "Thing", key field "id": the string holds a lone surrogate/);
});

test("encode and decode work detached from the definition, as a stream handler passes them around", (t) => {
  const { encode, decode } = Thing;
  const thing = {
    tenant: "t",
    id: "i",
    score: 1,
    at: new Date(0),
    big: 1n,
    ok: true,
    email: "a@b.com",
  };
  t.deepEqual(decode(encode(thing)), thing);
});
