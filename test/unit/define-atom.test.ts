import test from "ava";
import { DefinitionError, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";

const schema = v.object({
  tenant: v.string(),
  id: v.string(),
  email: v.pipe(v.string(), v.email()),
  score: v.number(),
  big: v.bigint(),
  at: v.date(),
  ok: v.boolean(),
  plan: v.picklist(["free", "pro"]),
  level: v.union([v.literal("a"), v.literal("b")]),
  role: v.enum({ Admin: "admin", User: "user" }),
  nick: v.optional(v.string()),
  maybe: v.nullable(v.string()),
  tags: v.set(v.string()),
  prefs: v.object({ theme: v.string() }),
  mixed: v.union([v.string(), v.number()]),
  parsed: v.pipe(v.string(), v.transform(Number)),
});

function refused(t: import("ava").ExecutionContext, spec: unknown, code: string, message: RegExp) {
  const err = t.throws(() => defineAtom(spec as never));
  t.true(err instanceof DefinitionError, String(err));
  t.true(isDynatomError(err, code), `${err?.name}: ${(err as { code?: string })?.code}`);
  t.regex(err?.message ?? "", message);
}

const base = { name: "thing", version: 1, schema, key: ["id"] as const };

test("every indexable kind is accepted as a key or index field", (t) => {
  const atom = defineAtom({
    ...base,
    key: { pk: ["tenant"], sk: ["id", "score"] },
    indexes: {
      a: { pk: ["email"], sk: ["big", "at"] },
      b: { pk: ["ok"], sk: ["plan"] },
      c: { pk: ["level"], sk: ["role"], index: "gsi7" },
      d: { pk: ["tenant"] },
    },
  });
  t.deepEqual(atom.key, { pk: ["tenant"], sk: ["id", "score"] });
  t.deepEqual(
    atom.indexes.map((i) => `${i.name}:${i.gsi}`),
    ["a:gsi1", "b:gsi2", "c:gsi7", "d:gsi3"],
  );
});

test("a bad name or version is refused", (t) => {
  refused(
    t,
    { ...base, name: "has space" },
    "definition.invalid",
    /Atom "has space": the name must start/,
  );
  refused(t, { ...base, name: "" }, "definition.invalid", /the name/);
  refused(t, { ...base, version: 0 }, "definition.invalid", /version must be a whole number/);
  refused(t, { ...base, version: 1.5 }, "definition.invalid", /version/);
});

test("a schema that is not an object schema is refused", (t) => {
  refused(t, { ...base, schema: v.string() }, "definition.invalid", /valibot object schema/);
  refused(
    t,
    { ...base, schema: { type: "object" } },
    "definition.invalid",
    /valibot object schema/,
  );
});

test("a key field that is not in the schema is refused, listing the fields", (t) => {
  refused(
    t,
    { ...base, key: ["nope"] },
    "definition.bad-key-field",
    /Atom "thing", key: the field "nope" is not a top-level field of the schema \(fields: tenant, id,/,
  );
  refused(
    t,
    { ...base, key: ["prefs.theme"] },
    "definition.bad-key-field",
    /"prefs\.theme" is not a top-level field/,
  );
  refused(
    t,
    { ...base, indexes: { byX: { pk: ["x"] } } },
    "definition.bad-key-field",
    /index "byX": the field "x"/,
  );
});

test("optional and nullable key fields are refused", (t) => {
  refused(
    t,
    { ...base, key: ["nick"] },
    "definition.bad-key-field",
    /"nick" is optional or nullable/,
  );
  refused(
    t,
    { ...base, indexes: { i: { pk: ["maybe"] } } },
    "definition.bad-key-field",
    /"maybe" is optional or nullable/,
  );
});

test("fields of types without an order are refused, saying what is allowed", (t) => {
  for (const field of ["tags", "prefs", "mixed"]) {
    refused(
      t,
      { ...base, key: [field] },
      "definition.bad-key-field",
      /cannot be a key: it is a .*Allowed: string, number, bigint, Date, boolean, or a picklist of strings/,
    );
  }
  refused(
    t,
    { ...base, key: ["parsed"] },
    "definition.bad-key-field",
    /its pipe transforms the value/,
  );
});

test("schema fields with reserved names are refused", (t) => {
  for (const field of [
    "pk",
    "sk",
    "gsi1pk",
    "gsi12sk",
    "_types",
    "_schema",
    "_ver",
    "_writes",
    "__edb_e__",
    "__proto__",
  ]) {
    const entries: Record<string, v.GenericSchema> = { id: v.string() };
    Object.defineProperty(entries, field, { value: v.string(), enumerable: true });
    refused(
      t,
      { ...base, schema: v.object(entries) },
      "definition.reserved-name",
      new RegExp(`the field "${field.replace(/[_$]/g, "\\$&")}" cannot be used`),
    );
  }
});

test("an empty key, a field twice, and bad indexes are refused", (t) => {
  refused(t, { ...base, key: [] }, "definition.invalid", /the key needs at least one field/);
  refused(
    t,
    { ...base, key: { pk: ["id"], sk: ["tenant", "tenant"] } },
    "definition.invalid",
    /names a field twice/,
  );
  refused(
    t,
    { ...base, indexes: { i: { pk: [] } } },
    "definition.invalid",
    /needs at least one pk field/,
  );
  refused(
    t,
    { ...base, indexes: { i: { pk: ["id"], index: "idx" } } },
    "definition.invalid",
    /use gsi1, gsi2/,
  );
  refused(
    t,
    { ...base, indexes: { i: { pk: ["id"], index: "gsi2" }, j: { pk: ["email"], index: "gsi2" } } },
    "definition.conflict",
    /"i" and "j" both use gsi2/,
  );
});

test("migration steps must be functions below the version", (t) => {
  refused(
    t,
    { ...base, version: 2, migrate: { 2: () => ({}) } },
    "definition.invalid",
    /migrate\[2\] must be a function/,
  );
  refused(t, { ...base, version: 2, migrate: { 1: "nope" } }, "definition.invalid", /migrate\[1\]/);
  t.notThrows(() => defineAtom({ ...base, version: 3, migrate: { 1: (x) => x, 2: (x) => x } }));
});
