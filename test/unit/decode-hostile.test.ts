import test from "ava";
import { DecodeError, decodeItem, NOTE_ATTRIBUTE } from "dynatom";
import fc from "fast-check";
import { objectWith, Point } from "../helpers/values.js";

const tags = [
  "undefined",
  "hole",
  "number",
  "bigint",
  "Date",
  "regexp",
  "URL",
  "Error",
  "set",
  "map",
  "object",
  "escaped",
  "bytes:Float64Array",
  "bytes:Buffer",
  "bytes:nope",
  "class:test.Point",
  "class:constructor",
  "class:__proto__",
  "custom:__proto__",
  "custom:toString",
  "constructor",
  "__proto__",
  "",
];
const awkward = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "S",
  "M",
  "L",
  "0",
  "c",
  "t",
  "k",
  "$unknown",
];
const key = fc.oneof(fc.constantFrom(...awkward), fc.string({ maxLength: 4 }));

const record = <T>(value: fc.Arbitrary<T>) =>
  fc.array(fc.tuple(key, value), { maxLength: 4 }).map(objectWith);

/** Attribute values, mostly well-formed, sometimes not at all. */
const hostileAv: fc.Arbitrary<unknown> = fc.letrec<{ av: unknown }>((tie) => ({
  av: fc.oneof(
    { depthSize: "small" },
    fc.record({
      S: fc.oneof(
        fc.string(),
        fc.constantFrom("NaN", "/x/g", "/(/", "http://x", "nope", "12", '"\\ud800"', "-0"),
      ),
    }),
    fc.record({
      N: fc.oneof(
        fc.constantFrom("1", "-0", "1e5", "0x10", "", "abc", "12345678901234567890"),
        fc.string(),
      ),
    }),
    fc.record({ BOOL: fc.oneof(fc.boolean(), fc.integer()) }),
    fc.record({ NULL: fc.oneof(fc.constant(true), fc.boolean()) }),
    fc.record({ B: fc.oneof(fc.uint8Array({ maxLength: 9 }), fc.string()) }),
    fc.record({ SS: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }) }),
    fc.record({
      NS: fc.array(fc.oneof(fc.constantFrom("1", "2.5", "x"), fc.string()), { maxLength: 3 }),
    }),
    fc.record({ BS: fc.array(fc.uint8Array({ maxLength: 3 }), { maxLength: 3 }) }),
    fc.record({ L: fc.array(tie("av"), { maxLength: 4 }) }),
    fc.record({ M: record(tie("av")) }),
    record(tie("av")),
    fc.constantFrom(null, 7, "S", [], {}, { S: "a", N: "1" }),
  ),
})).av;

const hostileNode: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(...tags),
    fc.record(
      {
        t: fc.constantFrom(...tags),
        c: record(tie("node")),
        k: fc.array(fc.oneof(key, fc.integer()), { maxLength: 3 }),
        i: tie("node"),
      },
      { requiredKeys: [] },
    ),
    fc.constantFrom(null, 3, [], true),
  ),
})).node;

const hostileNote = fc.oneof(
  fc
    .record({ v: fc.constantFrom(1, 0, 2, "1"), t: record(hostileNode) })
    .map((note) => ({ S: JSON.stringify(note) })),
  fc.string().map((text) => ({ S: text })),
  fc.constantFrom(
    { S: "{" },
    { N: "1" },
    { S: '{"v":1,"t":null}' },
    { S: '{"v":1,"t":{"__proto__":"Date"}}' },
  ),
);

const hostileItem = fc
  .tuple(
    fc.array(fc.tuple(key, hostileAv), { maxLength: 5 }),
    fc.option(hostileNote, { nil: undefined }),
  )
  .map(([entries, note]) => {
    const item = objectWith(entries);
    if (note !== undefined) item[NOTE_ATTRIBUTE] = note;
    return item;
  });

const allowedPrototypes = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  URL.prototype,
  Uint8Array.prototype,
  Buffer.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Float64Array.prototype,
  Error.prototype,
  TypeError.prototype,
  RangeError.prototype,
  SyntaxError.prototype,
  ReferenceError.prototype,
  EvalError.prototype,
  URIError.prototype,
  Point.prototype,
]);

/** Every object reachable from a decoded value has a standard prototype and no stored one. */
function checkPrototypes(value: unknown, seen = new Set<unknown>()): string | undefined {
  if (typeof value !== "object" || value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (!allowedPrototypes.has(Object.getPrototypeOf(value)))
    return "an object with a foreign prototype";
  const children =
    value instanceof Map
      ? [...value.keys(), ...value.values()]
      : value instanceof Set
        ? [...value]
        : Object.values(value);
  for (const child of children) {
    const problem = checkPrototypes(child, seen);
    if (problem) return problem;
  }
  return undefined;
}

test("decoding hostile items gives a value or a DecodeError, never pollutes", (t) => {
  const before = Object.getOwnPropertyNames(Object.prototype).join();
  fc.assert(
    fc.property(hostileItem, (item) => {
      let value: unknown;
      try {
        value = decodeItem(item as never);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        return;
      }
      const problem = checkPrototypes(value);
      if (problem) throw new Error(problem);
      if (({} as Record<string, unknown>).polluted !== undefined)
        throw new Error("Object.prototype polluted");
    }),
    { numRuns: 5000 },
  );
  t.is(Object.getOwnPropertyNames(Object.prototype).join(), before);
});

test("a __proto__ attribute is an own property, never the prototype", (t) => {
  const value = decodeItem(
    JSON.parse(
      '{"__proto__":{"M":{"polluted":{"S":"yes"}}},"a":{"M":{"__proto__":{"M":{"x":{"N":"1"}}}}}}',
    ),
  );
  t.is(Object.getPrototypeOf(value), Object.prototype);
  t.true(Object.hasOwn(value, "__proto__"));
  t.is((value as { polluted?: unknown }).polluted, undefined);
  t.is(({} as { polluted?: unknown }).polluted, undefined);
  const a = value.a as Record<string, unknown>;
  t.is(Object.getPrototypeOf(a), Object.prototype);
  t.deepEqual(Object.keys(a), ["__proto__"]);
});

test("a note naming inherited names fails cleanly", (t) => {
  for (const tag of [
    "class:constructor",
    "custom:toString",
    "class:__proto__",
    "bytes:constructor",
  ]) {
    const err = t.throws(() =>
      decodeItem({ x: { M: {} }, _types: { S: JSON.stringify({ v: 1, t: { x: tag } }) } }),
    );
    t.true(err instanceof DecodeError, `${tag}: ${err}`);
  }
});

test("a note from a newer format says to upgrade", (t) => {
  const err = t.throws(() => decodeItem({ x: { S: "a" }, _types: { S: '{"v":99,"t":{}}' } }));
  t.true(err instanceof DecodeError);
  t.regex(err?.message ?? "", /stored format 99 by a newer dynatom; .* upgrade dynatom/);
});

test("a very deeply nested item gives DecodeError, not a stack overflow", (t) => {
  let av: unknown = { S: "leaf" };
  for (let i = 0; i < 200_000; i++) av = { L: [av] };
  const err = t.throws(() => decodeItem({ deep: av } as never));
  t.true(err instanceof DecodeError);
  t.regex(err?.message ?? "", /deeper than DynamoDB allows/);
});

test("a huge item decodes", (t) => {
  const list = Array.from({ length: 200_000 }, (_, i) => ({ N: String(i) }));
  const value = decodeItem({ big: { L: list } });
  t.is((value.big as number[]).length, 200_000);
});

/** An item of one field `m` stored as `av`, with this note for it. */
const noted = (av: unknown, node: unknown) =>
  ({ m: av, _types: { S: JSON.stringify({ v: 1, t: { m: node } }) } }) as never;

test("a Map's key order that names a key twice is refused, not an entry dropped", (t) => {
  const item = noted({ M: { a: { N: "1" }, b: { N: "2" } } }, { t: "map", k: ["a", "a"] });
  const err = t.throws(() => decodeItem(item), { instanceOf: DecodeError });
  t.is(err?.code, "decode.malformed");
  t.regex(err?.message ?? "", /at m: .*"a" twice/);
});

test("a Map, Set or object stored as a list that holds a key twice is refused", (t) => {
  const pair = (key: unknown, n: string) => ({ L: [key, { N: n }] });
  for (const [tag, list, twice] of [
    ["map", [pair({ N: "1" }, "1"), pair({ N: "1" }, "2")], /key 1 twice/],
    ["object", [pair({ S: "a" }, "1"), pair({ S: "a" }, "2")], /key "a" twice/],
    ["set", [{ S: "x" }, { S: "x" }], /"x" twice/],
  ] as const) {
    const err = t.throws(() => decodeItem(noted({ L: list }, tag)), { instanceOf: DecodeError });
    t.is(err?.code, "decode.malformed", tag);
    t.regex(err?.message ?? "", twice, tag);
  }
  // Distinct elements that merely look alike are not repeats.
  const dates = decodeItem(
    noted(
      { L: [{ S: "1970-01-01T00:00:00.000Z" }, { S: "1970-01-01T00:00:00.000Z" }] },
      { t: "set", e: "Date" },
    ),
  );
  t.is((dates.m as Set<Date>).size, 2);
});
