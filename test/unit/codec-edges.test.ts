// Values whose stored form the codec writes but once could not read back, or refused with the
// wrong reason.
import test from "ava";
import {
  DecodeError,
  decodeItem,
  EncodingError,
  encodeItem,
  registerClass,
  registerCustom,
} from "dynatom";

class Tagged {
  constructor(
    public a: number,
    public b: number,
  ) {}
}
registerClass(Tagged, "test.codec-edges.Tagged");

test("a registered class instance with a key DynamoDB cannot name comes back", (t) => {
  const value = Object.assign(new Tagged(1, 2), { "": "empty", "\ud800": "lone" });
  const back = decodeItem(encodeItem({ value })).value;
  t.true(back instanceof Tagged);
  t.deepEqual({ ...(back as object) }, { a: 1, b: 2, "": "empty", "\ud800": "lone" });
});

test("an Error with a key DynamoDB cannot name comes back", (t) => {
  const error = Object.assign(new RangeError("out", { cause: 7 }), { "": "empty" });
  const back = decodeItem(encodeItem({ error })).error as RangeError & Record<string, unknown>;
  t.true(back instanceof RangeError);
  t.is(back.message, "out");
  t.is(back.cause, 7);
  t.is(back[""], "empty");
});

test("a Map that holds itself is refused as circular, at the path where it recurs", (t) => {
  const map = new Map<string, unknown>();
  map.set("self", map);
  const err = t.throws(() => encodeItem({ map }), { instanceOf: EncodingError });
  t.is(err?.code, "encoding.circular");
  t.is((err as EncodingError<"encoding.circular">).details.path, "map.self");
});

test("an Error that is its own cause is refused as circular", (t) => {
  const error = new Error("loop");
  error.cause = error;
  const err = t.throws(() => encodeItem({ error }), { instanceOf: EncodingError });
  t.is(err?.code, "encoding.circular");
  t.is((err as EncodingError<"encoding.circular">).details.path, "error.cause");
});

test("an Error whose field holds it is refused as circular", (t) => {
  const error = Object.assign(new Error("loop"), { info: {} as Record<string, unknown> });
  error.info.back = error;
  const err = t.throws(() => encodeItem({ error }), { instanceOf: EncodingError });
  t.is(err?.code, "encoding.circular");
  t.is((err as EncodingError<"encoding.circular">).details.path, "error.info.back");
});

const stored = (attribute: unknown, note: unknown) =>
  ({ x: attribute, _types: { S: JSON.stringify({ v: 1, t: { x: note } }) } }) as never;

test("a hole where a Map entry, a pair's key or value, or a Set member should be is malformed", (t) => {
  const pair = { L: [{ S: "k" }, { NULL: true }] };
  const items = [
    stored({ L: [{ NULL: true }] }, { t: "map", c: { "0": "hole" } }),
    stored({ L: [{ NULL: true }] }, { t: "object", c: { "0": "hole" } }),
    stored({ L: [pair] }, { t: "map", c: { "0": { c: { "1": "hole" } } } }),
    stored({ L: [pair] }, { t: "object", c: { "0": { c: { "1": "hole" } } } }),
    stored({ L: [{ S: "a" }, { NULL: true }] }, { t: "set", c: { "1": "hole" } }),
  ];
  for (const item of items) {
    const err = t.throws(() => decodeItem(item), undefined, JSON.stringify(item));
    t.true(err instanceof DecodeError, `${JSON.stringify(item)}: ${String(err)}`);
  }
});

test("a custom value whose inner note says hole is malformed, never handed to deserialize", (t) => {
  const seen: unknown[] = [];
  registerCustom<never, string>(
    {
      isApplicable: (v): v is never => false,
      serialize: (v) => v,
      deserialize: (v) => {
        seen.push(v);
        return v as never;
      },
    },
    "test.codec-edges.seen",
  );
  const item = stored({ NULL: true }, { t: "custom:test.codec-edges.seen", i: "hole" });
  t.throws(() => decodeItem(item), { instanceOf: DecodeError });
  t.deepEqual(seen, []);
});
