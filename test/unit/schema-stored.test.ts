import test from "ava";
import { DecodeError, defineAtom, encodeItem } from "dynatom";
import * as v from "valibot";

/** Decodes `{ id, f: value }` (encoded with no schema) as an atom whose field `f` has `schema`. */
function read(schema: v.GenericSchema, value: unknown, present = true) {
  const Atom = defineAtom({
    name: "a",
    version: 1,
    schema: v.object({ id: v.string(), f: schema }),
    key: ["id"],
  });
  return Atom.decode(encodeItem(present ? { id: "x", f: value } : { id: "x" }));
}

const Tree: v.GenericSchema<{ n: number; kids: { n: number; kids: unknown[] }[] }> = v.object({
  n: v.number(),
  kids: v.array(v.lazy(() => Tree)),
});
enum Color {
  Red = "red",
  Blue = "blue",
}
const variant = v.variant("kind", [
  v.object({ kind: v.literal("a"), x: v.number() }),
  v.object({ kind: v.literal("b"), y: v.string() }),
]);

/** [what, schema, values it reads, [stored value, path of the mismatch]…] */
const cases: [string, v.GenericSchema, unknown[], [unknown, string][]][] = [
  [
    "number",
    v.number(),
    [1, -0.5, 1e300],
    [
      ["1", "f"],
      [Number.NaN, "f"],
      [{}, "f"],
    ],
  ],
  ["bigint", v.bigint(), [5n], [[5, "f"]]],
  ["boolean", v.boolean(), [false], [["false", "f"]]],
  [
    "string",
    v.string(),
    [""],
    [
      [1, "f"],
      [null, "f"],
    ],
  ],
  ["Date", v.date(), [new Date(0)], [["1970-01-01T00:00:00.000Z", "f"]]],
  ["literal", v.literal("a"), ["a"], [["b", "f"]]],
  ["picklist", v.picklist(["a", "b"]), ["b"], [["c", "f"]]],
  ["enum", v.enum(Color), ["red"], [["green", "f"]]],
  ["nullable", v.nullable(v.number()), [null, 1], [[undefined, "f"]]],
  ["optional", v.optional(v.number()), [undefined, 1], [[null, "f"]]],
  ["nullish", v.nullish(v.number()), [undefined, null, 1], [["1", "f"]]],
  ["exactOptional", v.exactOptional(v.number()), [1], [[undefined, "f"]]],
  [
    "array",
    v.array(v.number()),
    [[], [1, 2]],
    [
      [[1, "2"], "f[1]"],
      [{}, "f"],
    ],
  ],
  ["tuple", v.tuple([v.string(), v.number()]), [["a", 1]], [[["a", "b"], "f[1]"]]],
  [
    "set",
    v.set(v.string()),
    [new Set(["a"])],
    [
      [new Set([1]), "f[0]"],
      [["a"], "f"],
    ],
  ],
  [
    "map",
    v.map(v.string(), v.number()),
    [new Map([["a", 1]])],
    [
      [new Map([["a", "x"]]), "f[entry 0 value]"],
      [new Map([[1, 1]]), "f[entry 0 key]"],
    ],
  ],
  ["record", v.record(v.string(), v.number()), [{ a: 1 }], [[{ a: "x" }, "f.a"]]],
  [
    "object",
    v.object({ a: v.number() }),
    [{ a: 1 }, { a: 1, extra: true }],
    [
      [{ a: "x" }, "f.a"],
      [{}, "f.a"],
      [[], "f"],
      [new Map(), "f"],
    ],
  ],
  ["strictObject", v.strictObject({ a: v.number() }), [{ a: 1 }], [[{ a: null }, "f.a"]]],
  [
    "objectWithRest",
    v.objectWithRest({ a: v.number() }, v.string()),
    [{ a: 1, b: "s" }],
    [[{ a: 1, b: 2 }, "f.b"]],
  ],
  ["union", v.union([v.string(), v.number()]), ["a", 1], [[true, "f"]]],
  [
    "variant",
    variant,
    [
      { kind: "a", x: 1 },
      { kind: "b", y: "s" },
    ],
    [[{ kind: "a", x: "no" }, "f"]],
  ],
  [
    "intersect",
    v.intersect([v.object({ a: v.number() }), v.object({ b: v.string() })]),
    [{ a: 1, b: "s" }],
    [[{ a: 1 }, "f.b"]],
  ],
  [
    "lazy",
    Tree,
    [{ n: 1, kids: [{ n: 2, kids: [] }] }],
    [[{ n: 1, kids: [{ n: "2", kids: [] }] }, "f.kids[0].n"]],
  ],
  ["instance", v.instance(Uint8Array), [new Uint8Array([1])], [["x", "f"]]],
  [
    "custom",
    v.custom<string>((x) => typeof x === "string" && x.startsWith("#")),
    ["#a"],
    [["a", "f"]],
  ],
  // What every write checked already is not checked again: a read checks types.
  ["refinement", v.pipe(v.string(), v.email()), ["not an email"], [[1, "f"]]],
  ["type-keeping transformation", v.pipe(v.string(), v.trim()), [" a "], [[1, "f"]]],
  ["known conversion", v.pipe(v.string(), v.toDate()), [new Date(0)], [["1970", "f"]]],
  [
    "transform, then a schema",
    v.pipe(v.string(), v.transform(Number), v.number()),
    [1],
    [["1", "f"]],
  ],
  // A bare transform could have made anything: nothing is assumed.
  ["bare transform", v.pipe(v.string(), v.transform(Number)), [1, "x", {}], []],
  ["unknown", v.unknown(), [1, null, new Map()], []],
];

for (const [what, schema, good, bad] of cases) {
  test(`a stored value is checked against the schema's output: ${what}`, (t) => {
    for (const value of good) t.deepEqual(read(schema, value).f, value, `reads ${String(value)}`);
    for (const [value, path] of bad) {
      const err = t.throws(() => read(schema, value), { instanceOf: DecodeError }, String(value));
      t.is(err?.code, "decode.schema-mismatch");
      t.is((err?.details as { path?: string } | undefined)?.path, path, String(value));
    }
  });
}

test("a missing field with a default reads as that default, parsed as valibot would", (t) => {
  t.is(read(v.optional(v.number(), 7), undefined, false).f, 7);
  t.is(
    read(
      v.optional(v.number(), () => 8),
      undefined,
    ).f,
    8,
  );
  t.is(read(v.nullable(v.string(), "d"), null).f, "d");
  t.deepEqual(
    read(v.optional(v.pipe(v.string(), v.toDate()), "2020-01-01"), 0, false).f,
    new Date("2020-01-01"),
  );
  const err = t.throws(() => read(v.number(), undefined, false), { instanceOf: DecodeError });
  t.like(err?.details, { path: "f", found: "missing", expected: "number" });
});

test("the message names the atom, the key, the path and both types", (t) => {
  const err = t.throws(() => read(v.array(v.object({ n: v.number() })), [{ n: 1 }, { n: "two" }]), {
    instanceOf: DecodeError,
  });
  t.is(
    err?.message,
    'Atom "a" {"id":"x"}: the stored value at f[1].n is the string "two", but the schema reads ' +
      "number there. It was written by another tool, or by another schema under the same " +
      "version: fix the item, or raise the version and migrate.",
  );
  t.deepEqual(err?.details, {
    atom: "a",
    key: '{"id":"x"}',
    path: "f[1].n",
    expected: "number",
    found: 'the string "two"',
  });
});
