import test from "ava";
import { defineAtom, ValidationError } from "dynatom";
import * as v from "valibot";
import { Counter } from "../helpers/atoms.js";

const toDate = v.pipe(
  v.string(),
  v.isoTimestamp(),
  v.transform((s) => new Date(s)),
);
const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2027-01-01T00:00:00.000Z";

/** An atom whose field `f` has `schema`, and the output of `{ id, f: input }`. */
function atomOf<S extends v.GenericSchema>(schema: S, input: v.InferInput<S>) {
  const Atom = defineAtom({
    name: "a",
    version: 1,
    schema: v.object({ id: v.string(), f: schema }),
    key: ["id"],
  });
  const current = Atom.prepare({ id: "x", f: input } as never).value;
  /** What a swap returning `f` stores. */
  const swapTo = (f: unknown) => Atom.prepare({ ...current, f } as never, current).value.f;
  return { Atom, current, swapTo };
}

test("a swap may hand back, at any depth, the outputs it was given; new ones need their input", (t) => {
  const [d0, d1] = [new Date(T0), new Date(T1)];
  const cases: [string, v.GenericSchema, unknown, (f: never) => unknown, unknown][] = [
    ["a field", toDate, T0, () => T1, d1],
    ["an optional field", v.optional(toDate), T0, () => undefined, undefined],
    ["list elements", v.array(toDate), [T0], (f: Date[]) => [...f, T1], [d0, d1]],
    [
      "fields of list elements",
      v.array(v.object({ at: toDate })),
      [{ at: T0 }],
      (f: { at: Date }[]) => [...f, { at: T1 }],
      [{ at: d0 }, { at: d1 }],
    ],
    [
      "Map values",
      v.map(v.string(), toDate),
      new Map([["a", T0]]),
      (f: Map<string, Date>) => new Map<string, unknown>([...f, ["b", T1]]),
      new Map([
        ["a", d0],
        ["b", d1],
      ]),
    ],
    ["a union's option", v.union([toDate, v.boolean()]), T0, () => T1, d1],
    [
      "a record's values",
      v.record(v.string(), toDate),
      { a: T0 },
      (f: Record<string, Date>) => ({ ...f, b: T1 }),
      { a: d0, b: d1 },
    ],
    [
      "a tuple's items",
      v.tuple([toDate, v.number()]),
      [T0, 1],
      (f: [Date, number]) => [f[0], 2],
      [d0, 2],
    ],
  ];
  for (const [what, schema, input, change, expected] of cases) {
    const { current, swapTo } = atomOf(schema, input as never);
    t.deepEqual(swapTo(current.f), current.f, `${what}: identity`);
    t.deepEqual(swapTo(change(current.f as never)), expected, `${what}: changed`);
  }
});

test("a recursive (lazy) schema rewrites at every level", (t) => {
  type Node = { at: string; kids: Node[] };
  const NodeSchema: v.GenericSchema<Node, { at: Date; kids: unknown[] }> = v.object({
    at: toDate,
    kids: v.array(v.lazy(() => NodeSchema)),
  });
  const { current, swapTo } = atomOf(NodeSchema, { at: T0, kids: [{ at: T0, kids: [] }] });
  const f = current.f as { at: Date; kids: { at: Date; kids: unknown[] }[] };
  t.deepEqual(swapTo({ ...f, kids: [...f.kids, { at: T1, kids: [] }] }), {
    at: new Date(T0),
    kids: [
      { at: new Date(T0), kids: [] },
      { at: new Date(T1), kids: [] },
    ],
  });
});

test("an object-level check sees the output, also on a swap", (t) => {
  const Atom = defineAtom({
    name: "window",
    version: 1,
    schema: v.pipe(
      v.object({ id: v.string(), from: toDate, to: toDate }),
      v.check((w) => w.from <= w.to, "from must not be after to"),
    ),
    key: ["id"],
  });
  const current = Atom.prepare({ id: "w", from: T0, to: T1 }).value;
  t.deepEqual(Atom.prepare({ ...current, to: T0 }, current).value.to, new Date(T0));
  const err = t.throws(() => Atom.prepare({ ...current, from: T1, to: T0 }, current), {
    instanceOf: ValidationError,
  });
  t.regex(err?.message ?? "", /from must not be after to/);
});

test("a new output is taken where the pipe says what it makes, refused after a bare transform", (t) => {
  const checked = atomOf(
    v.pipe(
      v.string(),
      v.transform((s) => new Date(s)),
      v.date(),
    ),
    T0,
  );
  t.deepEqual(checked.swapTo(new Date(T1)), new Date(T1));
  t.throws(() => checked.swapTo(5), { instanceOf: ValidationError });
  const converted = atomOf(v.pipe(v.string(), v.toDate()), T0);
  t.deepEqual(converted.swapTo(new Date(T1)), new Date(T1));
  const bare = atomOf(toDate, T0);
  const err = t.throws(() => bare.swapTo(new Date(T1)), { instanceOf: ValidationError });
  t.regex(
    err?.message ?? "",
    /f: Invalid type: Expected string but received Date; where the schema transforms, a swap returns the input, or the value it was given unchanged/,
  );
  // An invalid input is refused as ever, not taken for an output.
  t.throws(() => bare.swapTo("not a timestamp"), { instanceOf: ValidationError });
});

test("an output given, then changed in place, is checked where the pipe says what it makes", (t) => {
  const { current, swapTo } = atomOf(v.pipe(v.string(), v.toDate()), T0);
  const given = current.f as Date;
  given.setTime(Number.NaN);
  t.throws(() => swapTo(given), { instanceOf: ValidationError });
});

test("an output equal to the one given is kept, not transformed again", (t) => {
  const { current, swapTo } = atomOf(
    v.pipe(
      v.number(),
      v.transform((n) => n * 100),
    ),
    5,
  );
  t.is(current.f, 500);
  t.is(swapTo(500), 500, "handed back unchanged");
  t.is(swapTo(7), 700, "a new value is an input");
});

test("writes without a value to start from take the input only", (t) => {
  const { Atom, current } = atomOf(toDate, T0);
  t.throws(() => Atom.prepare(current as never), { instanceOf: ValidationError });
  t.throws(() => Atom.encode(current as never), { instanceOf: ValidationError });
  // A schema that does not transform parses the same with or without one.
  const counter = { name: "c", n: 1 };
  t.deepEqual(Counter.prepare({ ...counter, n: 2 }, counter).value, { name: "c", n: 2 });
  t.throws(() => Counter.prepare({ name: "c", n: "2" } as never, counter), {
    instanceOf: ValidationError,
  });
});

test("a transform that throws leaves no outputs behind for the next parse", (t) => {
  const Atom = defineAtom({
    name: "boom",
    version: 1,
    schema: v.object({
      id: v.string(),
      at: toDate,
      n: v.pipe(
        v.number(),
        v.transform((n) => {
          if (n < 0) throw new Error("negative");
          return n;
        }),
      ),
    }),
    key: ["id"],
  });
  const current = Atom.prepare({ id: "b", at: T0, n: 1 }).value;
  t.throws(() => Atom.prepare({ ...current, n: -1 }, current), { message: "negative" });
  t.throws(() => Atom.prepare({ ...current, n: 2 }), { instanceOf: ValidationError });
});
