// The export line format, both ways, without a table: any AttributeValue item survives
// item → line → item exactly; derived attributes are left out; bad lines say what and where.

import { isDeepStrictEqual } from "node:util";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import test from "ava";
import fc from "fast-check";
import {
  checkHeader,
  headerLine,
  isDerived,
  itemLine,
  LineError,
  parseItemLine,
} from "../../cli/export-format.js";
import { scanAtom } from "../../src/requests/index.js";

type Item = Record<string, AttributeValue>;

const name = fc.string({ minLength: 1, maxLength: 8 }).filter((n) => !isDerived(n));
const bytes = fc.uint8Array({ maxLength: 12 });
const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string().map((S) => ({ S })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => ({ N: String(n) })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true as const }),
  bytes.map((B) => ({ B })),
  fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
  fc.uniqueArray(fc.integer().map(String), { minLength: 1, maxLength: 4 }).map((NS) => ({ NS })),
  fc.array(bytes, { minLength: 1, maxLength: 3 }).map((BS) => ({ BS })),
);
const { value } = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }).map((L) => ({ L })),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }).map((M) => ({ M })),
  ),
}));
const item: fc.Arbitrary<Item> = fc.dictionary(name, value, { maxKeys: 8 });

/** A copy with bytes as number lists: what compares is the bytes, not the class holding them. */
function normal(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(normal);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
}

test("any item survives the line format exactly (property)", (t) => {
  fc.assert(
    fc.property(item, (it) => {
      const line = itemLine(it);
      if (!line.endsWith("\n") || line.slice(0, -1).includes("\n")) return false;
      const back = parseItemLine(line.slice(0, -1));
      return isDeepStrictEqual(normal(back), normal(it));
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test("a line is stable: the same item always gives the same text", (t) => {
  fc.assert(fc.property(item, (it) => itemLine(it) === itemLine(parseItemLine(itemLine(it)))));
  t.pass();
});

test("table keys, index keys and ElectroDB's markers are left out; bookkeeping is kept", (t) => {
  const line = itemLine({
    pk: { S: "$app#id_a1" },
    sk: { S: "$account_1" },
    gsi1pk: { S: "x" },
    gsi12sk: { S: "y" },
    __edb_e__: { S: "account" },
    __edb_v__: { S: "1" },
    id: { S: "a1" },
    pic: { B: new Uint8Array([1, 2, 255]) },
    _schema: { N: "1" },
    _ver: { N: "3" },
    _writes: { L: [{ S: "w1" }] },
    _types: { S: "{}" },
  });
  t.is(
    line,
    '{"_schema":{"N":"1"},"_types":{"S":"{}"},"_ver":{"N":"3"},"_writes":{"L":[{"S":"w1"}]},"id":{"S":"a1"},"pic":{"B":"AQL/"}}\n',
  );
});

test("an attribute named __proto__ stays an own attribute both ways", (t) => {
  const back = parseItemLine('{"__proto__":{"M":{"__proto__":{"S":"x"}}}}');
  t.true(Object.hasOwn(back, "__proto__"));
  t.is(Object.getPrototypeOf(back), Object.prototype);
  const inner = Object.getOwnPropertyDescriptor(back, "__proto__")?.value as AttributeValue;
  t.deepEqual(Object.keys(inner.M ?? {}), ["__proto__"]);
  t.is(itemLine(back), '{"__proto__":{"M":{"__proto__":{"S":"x"}}}}\n');
});

test("bad lines say what is wrong and where in the item", (t) => {
  const reason = (text: string) => {
    try {
      parseItemLine(text);
      return "parsed";
    } catch (err) {
      t.true(err instanceof LineError);
      return (err as LineError).reason;
    }
  };
  t.regex(reason("{oops"), /^not JSON/);
  t.regex(reason("[1]"), /^not an item/);
  t.is(reason('{"a":{"S":1}}'), "a: S holds a non-string");
  t.is(
    reason('{"a":{"S":"x","N":"1"}}'),
    'a: not an attribute value (an object with one type, e.g. {"S":…})',
  );
  t.is(reason('{"a":{"M":{"b":{"L":[{"B":"%%"}]}}}}'), "a.b[0]: binary that is not base64");
  t.is(reason('{"a":{"X":1}}'), 'a: unknown attribute type "X"');
  t.is(reason('{"a":{"NULL":false}}'), "a: NULL holds something other than true");
});

test("the header names the format and the atom; import checks both", (t) => {
  t.is(headerLine("account"), '{"dynatom":"export","format":1,"atom":"account"}\n');
  t.notThrows(() => checkHeader(headerLine("account").trim(), "account"));
  const fails = (text: string) =>
    t.throws(() => checkHeader(text, "account"), { instanceOf: LineError });
  t.regex(fails(headerLine("counter")).message, /holds atom "counter", not "account"/);
  t.regex(fails('{"dynatom":"export","format":2,"atom":"account"}').message, /format 2/);
  t.regex(fails("{}").message, /not a dynatom export/);
  t.regex(fails("x").message, /not JSON/);
});

test("the scan of one atom type filters on ElectroDB's entity name, strongly consistent", (t) => {
  const start = { pk: { S: "p" }, sk: { S: "s" } };
  t.deepEqual(scanAtom({ table: "app", atom: "account", start, limit: 10 }), {
    TableName: "app",
    FilterExpression: "#e = :e",
    ExpressionAttributeNames: { "#e": "__edb_e__" },
    ExpressionAttributeValues: { ":e": { S: "account" } },
    ConsistentRead: true,
    ExclusiveStartKey: start,
    Limit: 10,
  });
  t.false("ExclusiveStartKey" in scanAtom({ table: "app", atom: "a", start: undefined }));
});

test("binary comes back as a Uint8Array of its own", (t) => {
  const back = parseItemLine('{"b":{"B":"AQI="},"s":{"BS":["","/w=="]}}');
  t.is(back.b?.B?.constructor, Uint8Array);
  t.deepEqual([...(back.b?.B ?? [])], [1, 2]);
  t.deepEqual(
    back.s?.BS?.map((b) => [...b]),
    [[], [255]],
  );
});
