import { type AttributeValue, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { assertItemSize, encodeItem, isDynatomError, itemSize, MAX_ITEM_BYTES } from "dynatom";
import fc from "fast-check";
import { useTestTable } from "../helpers/table.js";
import { anyItem } from "../helpers/values.js";

const db = useTestTable(test);

/** DynamoDB Local's own verdict on an item: "ok", or its error message. */
async function verdict(item: Record<string, AttributeValue>): Promise<string> {
  const { client, table } = db();
  try {
    await client.send(new PutItemCommand({ TableName: table, Item: item }));
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

function padTo(item: Record<string, AttributeValue>, bytes: number) {
  const base = itemSize(item) + "~pad".length;
  return { ...item, "~pad": { S: "p".repeat(bytes - base) } };
}

test("itemSize agrees with DynamoDB Local at 409,600 and 409,601 bytes", async (t) => {
  let n = 0;
  const rich = {
    when: new Date(0),
    prices: new Map([
      ["eur", -12.5],
      ["usd", 1e-7],
    ]),
    nums: [0, -0.001, 123456789012345, -99, 1e21, 0.5],
    tags: new Set(["é", "😀", "a"]),
    scores: new Set([1, 2.5, -3]),
    bytes: new Uint8Array(300),
    big: 10n ** 40n,
    nested: { a: [{ b: [{ c: "中文" }] }] },
  };
  const samples = [{ id: "plain" }, rich, ...fc.sample(anyItem, { numRuns: 25, seed: 42 })];
  for (const value of samples) {
    const item = { ...encodeItem(value), pk: { S: "size" }, sk: { S: String(n++) } };
    const exact = padTo(item, MAX_ITEM_BYTES);
    const over = padTo(item, MAX_ITEM_BYTES + 1);
    t.is(itemSize(exact), MAX_ITEM_BYTES);
    t.notThrows(() => assertItemSize(exact));
    t.is(await verdict(exact), "ok", JSON.stringify(Object.keys(value)));
    t.true(
      isDynatomError(
        t.throws(() => assertItemSize(over)),
        "encoding.item-too-large",
      ),
    );
    t.regex(await verdict(over), /Item size has exceeded the maximum allowed size/);
  }
});

function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = i % 2 ? { x: value } : [value];
  return value;
}

test("the nesting limit is DynamoDB Local's: 31 nested maps/lists pass, 32 do not", async (t) => {
  const ok = { ...encodeItem({ deep: nested(31) }), pk: { S: "depth" }, sk: { S: "31" } };
  t.is(await verdict(ok), "ok");
  const err = t.throws(() => encodeItem({ deep: nested(32) }));
  t.true(isDynatomError(err, "encoding.too-deep"));
  // The same shape sent raw is refused by DynamoDB Local too, so our limit is not too strict.
  let raw: AttributeValue = { S: "leaf" };
  for (let i = 0; i < 32; i++) raw = i % 2 ? { M: { x: raw } } : { L: [raw] };
  t.regex(
    await verdict({ deep: raw, pk: { S: "depth" }, sk: { S: "32" } }),
    /Nesting Levels have exceeded supported limits/,
  );
});

test("a Map with non-string keys counts its two extra levels", async (t) => {
  const map = (inner: unknown) => new Map([[1, inner]]);
  const ok = { ...encodeItem({ m: map(nested(29)) }), pk: { S: "depth" }, sk: { S: "map" } };
  t.is(await verdict(ok), "ok");
  t.true(
    isDynatomError(
      t.throws(() => encodeItem({ m: map(nested(30)) })),
      "encoding.too-deep",
    ),
  );
});
