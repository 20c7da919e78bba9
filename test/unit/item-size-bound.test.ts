// The cheap bound that lets most items skip exact size counting must never be under the exact
// size: else an item over DynamoDB's limit would be sent.
import test from "ava";
import fc from "fast-check";
import { encodeItem } from "../../src/encoding/index.js";
import {
  itemSize,
  itemSizeBound,
  valueSize,
  valueSizeBound,
} from "../../src/encoding/item-size.js";

const text = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("a", "é", "😀", "\uD800", "\uDC00", "\u0800", "\u07FF") }),
);
const leaf = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 20 }),
);
const value = fc.letrec((tie) => ({
  any: fc.oneof({ maxDepth: 3 }, leaf, tie("list"), tie("object"), tie("set"), tie("map")),
  list: fc.array(tie("any"), { maxLength: 4 }),
  object: fc.dictionary(text, tie("any"), { maxKeys: 4 }),
  set: fc.uniqueArray(text, { maxLength: 4 }).map((members) => new Set(members)),
  map: fc.array(fc.tuple(text, tie("any")), { maxLength: 3 }).map((entries) => new Map(entries)),
})).any;

test("the bound is never under the exact size, for any encoded item", (t) => {
  fc.assert(
    fc.property(
      fc.dictionary(
        text.filter((k) => k.length > 0),
        value,
        { maxKeys: 6 },
      ),
      (fields) => {
        let item: ReturnType<typeof encodeItem>;
        try {
          item = encodeItem(fields);
        } catch {
          return true; // refused before any size is counted: not this test's concern
        }
        // Attribute by attribute, so that slack in one cannot hide a shortfall in another.
        for (const value of Object.values(item)) {
          if (valueSizeBound(value) < valueSize(value)) return false;
        }
        return itemSizeBound(item) >= itemSize(item);
      },
    ),
    { numRuns: 2_000 },
  );
  t.pass();
});

test("each kind of value alone: strings of 1- to 4-byte characters, numbers of every shape", (t) => {
  fc.assert(
    fc.property(fc.oneof(text, fc.double(), fc.integer(), fc.bigInt()), (leafValue) => {
      let item: ReturnType<typeof encodeItem>;
      try {
        item = encodeItem({ v: leafValue });
      } catch {
        return true;
      }
      const value = item.v;
      return value === undefined || valueSizeBound(value) >= valueSize(value);
    }),
    { numRuns: 5_000 },
  );
  t.pass();
});
