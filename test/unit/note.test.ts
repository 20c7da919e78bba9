import test from "ava";
import { decodeItem, encodeItem, NOTE_ATTRIBUTE } from "dynatom";

const noteOf = (value: Record<string, unknown>) => {
  const text = encodeItem(value)[NOTE_ATTRIBUTE]?.S;
  return text === undefined ? undefined : JSON.parse(text);
};

test("plain JSON-like data gets no note at all", (t) => {
  t.is(noteOf({ a: "x", b: [1, { c: true, d: null }], e: { f: "" } }), undefined);
});

test("the note names only the paths that need a tag", (t) => {
  t.deepEqual(noteOf({ id: "a", at: new Date(0), deep: { list: [1, 2n] } }), {
    v: 1,
    t: { at: "Date", deep: { c: { list: { c: { "1": "bigint" } } } } },
  });
});

test("a list of alike records stores its note once", (t) => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, at: new Date(i) }));
  t.deepEqual(noteOf({ rows }), { v: 1, t: { rows: { e: { c: { at: "Date" } } } } });
  const mixed = [{ at: new Date(0) }, { at: "text" }];
  t.deepEqual(noteOf({ mixed }), { v: 1, t: { mixed: { c: { "0": { c: { at: "Date" } } } } } });
});

test("a Map keeps its order in the note only when it is not sorted", (t) => {
  t.deepEqual(
    noteOf({
      m: new Map([
        ["a", 1],
        ["b", 2],
      ]),
    }),
    { v: 1, t: { m: "map" } },
  );
  t.deepEqual(
    noteOf({
      m: new Map([
        ["b", 1],
        ["a", 2],
      ]),
    }),
    { v: 1, t: { m: { t: "map", k: ["b", "a"] } } },
  );
});

test("an element's own entry wins over the every-element entry", (t) => {
  const item = {
    list: { L: [{ S: "1970-01-01T00:00:00.000Z" }, { S: "x" }] },
    [NOTE_ATTRIBUTE]: {
      S: JSON.stringify({ v: 1, t: { list: { e: "Date", c: { "1": "escaped" } } } }),
    },
  };
  item.list.L[1] = { S: JSON.stringify("y") };
  t.deepEqual(decodeItem(item), { list: [new Date(0), "y"] });
});
