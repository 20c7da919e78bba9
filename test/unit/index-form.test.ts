import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { compareUtf8, type Indexable, indexForm } from "../../src/encoding/index-form.js";
import { DynatomError } from "../../src/errors/index.js";

const runs = { numRuns: 2000 };
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const byteCompare = (a: string, b: string): number =>
  sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

/** Code point order, computed independently of compareUtf8 (lone surrogates as their unit). */
function codePointCompare(a: string, b: string): number {
  const pa = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const pb = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return sign(d);
  }
  return sign(pa.length - pb.length);
}

const natural = <T extends Indexable>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The core property: for a list with duplicates mixed in, sorting the forms by UTF-8 bytes gives
 * the forms of the naturally sorted values, and every pair compares alike (so equal ⇔ equal form).
 */
function checkOrder<T extends Indexable>(
  t: ExecutionContext,
  arb: fc.Arbitrary<T>,
  compare: (a: T, b: T) => number,
): void {
  const list = fc
    .tuple(fc.array(arb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 5 }))
    .map(([values, picks]) => [
      ...values,
      ...(values.length === 0 ? [] : picks.map((p) => values[p % values.length] as T)),
    ]);
  fc.assert(
    fc.property(list, (values) => {
      const forms = values.map(indexForm);
      const byBytes = [...forms].sort(byteCompare);
      const byValue = [...values].sort(compare).map(indexForm);
      if (JSON.stringify(byBytes) !== JSON.stringify(byValue)) return false;
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < values.length; j++) {
          const a = values[i] as T;
          const b = values[j] as T;
          const fa = forms[i] as string;
          const fb = forms[j] as string;
          if (byteCompare(fa, fb) !== sign(compare(a, b))) return false;
          if ((compareUtf8(fa, fb) === 0) !== (compare(a, b) === 0)) return false;
        }
      }
      return true;
    }),
    runs,
  );
  t.pass();
}

function throwsUnindexable(t: ExecutionContext, value: Indexable): void {
  const err = t.throws(() => indexForm(value), { instanceOf: DynatomError });
  t.is(err?.code, "encoding.unindexable");
}

// Numbers ---------------------------------------------------------------------------------------

const numbers = fc.oneof(
  fc.double({ noNaN: true }),
  fc.double({ noNaN: true, min: -1e-300, max: 1e-300 }),
  fc.integer().map((n) => n / 8),
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    1.25,
    -1.25,
    12.5,
    -12.5,
    0.1,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.EPSILON,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ),
);

test("number forms sort like the numbers (-0 == 0)", (t) => {
  checkOrder(t, numbers, natural);
});

test("number examples", (t) => {
  t.is(indexForm(12.5), "3401:1.25");
  t.is(indexForm(1), "3400:1");
  t.is(indexForm(5e-324), "3076:5");
  t.is(indexForm(-1), "1599:8~");
  t.is(indexForm(-1.25), "1599:8.74~");
  t.is(indexForm(-12.5), "1598:8.74~");
  t.is(indexForm(0), "2");
  t.is(indexForm(-0), "2");
  t.is(indexForm(Number.NEGATIVE_INFINITY), "0");
  t.is(indexForm(Number.POSITIVE_INFINITY), "4");
  t.is(indexForm(Number.MAX_VALUE), "3708:1.7976931348623157");
  t.true(compareUtf8(indexForm(-1.25), indexForm(-1)) < 0);
});

test("NaN is refused", (t) => {
  throwsUnindexable(t, Number.NaN);
  const err = t.throws(() => indexForm(Number.NaN), { instanceOf: DynatomError });
  t.deepEqual(err?.details, {
    value: "NaN",
    reason: "NaN has no place in an index order; index fields must be comparable numbers",
  });
});

// Bigints ---------------------------------------------------------------------------------------

const huge = 2n ** 4000n;
const bigints = fc.oneof(
  fc.bigInt({ min: -huge, max: huge }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.integer({ min: 0, max: 1300 }).map((k) => 10n ** BigInt(k)),
  fc.integer({ min: 1, max: 1300 }).map((k) => -(10n ** BigInt(k)) + 1n),
);

test("bigint forms sort like the bigints", (t) => {
  checkOrder(t, bigints, natural);
});

test("bigint examples", (t) => {
  t.is(indexForm(0n), "2");
  t.is(indexForm(42n), "312:42");
  t.is(indexForm(-42n), "187:57");
  t.is(indexForm(10n ** 9n), "3210:1000000000");
  t.true(compareUtf8(indexForm(-(10n ** 9n)), indexForm(-999999999n)) < 0);
});

test("a million-digit bigint", (t) => {
  const n = 10n ** 1_000_000n;
  const form = indexForm(n);
  t.is(form, `371000001:1${"0".repeat(1_000_000)}`);
  const negative = indexForm(-n);
  t.is(negative.length, form.length);
  t.true(negative.startsWith("128999998:8"));
  t.true(compareUtf8(negative, indexForm(-(n - 1n))) < 0);
  t.true(compareUtf8(indexForm(n - 1n), form) < 0);
});

// Dates -----------------------------------------------------------------------------------------

const maxMs = 8.64e15;
const yearStart = (year: number): number => {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return d.getTime();
};
const dates = fc.oneof(
  fc.date({ min: new Date(-maxMs), max: new Date(maxMs), noInvalidDate: true }),
  fc
    .tuple(
      fc.constantFrom(-271820, -1, 0, 1, 9999, 10000, 275759),
      fc.integer({ min: -1e10, max: 1e10 }),
    )
    .map(([year, offset]) => new Date(yearStart(year) + offset)),
  fc.constantFrom(new Date(-maxMs), new Date(maxMs), new Date(0)),
);

test("Date forms sort like the instants", (t) => {
  checkOrder(t, dates, (a, b) => natural(a.getTime(), b.getTime()));
});

test("Date examples", (t) => {
  t.is(indexForm(new Date("2026-01-01T00:00:00.000Z")), "2026-01-01T00:00:00.000Z");
  t.is(indexForm(new Date("+010000-01-01T00:00:00.000Z")), "~010000-01-01T00:00:00.000Z");
  t.is(indexForm(new Date("-000001-06-01T00:00:00.000Z")), "-999998-06-01T00:00:00.000Z");
  t.is(indexForm(new Date("0000-01-01T00:00:00.000Z")), "0000-01-01T00:00:00.000Z");
  // The three ranges are told apart by their first byte.
  t.is(byteCompare("-", "0"), -1);
  t.is(byteCompare("9", "~"), -1);
  const order = [
    "-000002-12-31T23:59:59.999Z",
    "-000001-01-01T00:00:00.000Z",
    "-000001-06-01T00:00:00.000Z",
    "-000001-06-01T00:00:00.001Z",
    "0000-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "+010000-01-01T00:00:00.000Z",
  ].map((iso) => indexForm(new Date(iso)));
  t.deepEqual([...order].sort(compareUtf8), order);
});

test("invalid Date is refused", (t) => {
  throwsUnindexable(t, new Date(Number.NaN));
});

// Strings ---------------------------------------------------------------------------------------

const tricky = fc.constantFrom(
  "",
  "a",
  "\u007f",
  "\u0080",
  "\ud7ff",
  "\ue000",
  "\uffff",
  "\u{10000}",
  "\u{1f600}",
  "\u{10ffff}",
);
const strings = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: tricky, maxLength: 6 }),
  fc.string({ unit: "grapheme" }),
);

test("string forms are the strings and sort by code point", (t) => {
  fc.assert(
    fc.property(strings, (s) => indexForm(s) === s),
    runs,
  );
  checkOrder(t, strings, codePointCompare);
});

test("string order differs from JS < for astral vs U+E000–U+FFFF", (t) => {
  t.true("\u{1f600}" < "\uffff");
  t.true(compareUtf8(indexForm("\u{1f600}"), indexForm("\uffff")) > 0);
});

test("strings with a lone surrogate are refused", (t) => {
  for (const s of ["\ud800", "a\udc00", "\udc00\ud800", "x\ud83d", "\ude00y"])
    throwsUnindexable(t, s);
  const units = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
  });
  fc.assert(
    fc.property(units, (s) => {
      const wellFormed = Buffer.from(s, "utf8").toString("utf8") === s;
      try {
        return indexForm(s) === s && wellFormed;
      } catch (err) {
        return !wellFormed && err instanceof DynatomError && err.code === "encoding.unindexable";
      }
    }),
    runs,
  );
  t.pass();
});

// Booleans and other values --------------------------------------------------------------------

test("boolean forms", (t) => {
  t.is(indexForm(false), "false");
  t.is(indexForm(true), "true");
  checkOrder(t, fc.boolean(), natural);
});

test("values of other types are refused", (t) => {
  for (const v of [null, undefined, {}, Object.create(null), Symbol("s"), [1]]) {
    throwsUnindexable(t, v as unknown as Indexable);
  }
});

// compareUtf8 -----------------------------------------------------------------------------------

test("compareUtf8 agrees with Buffer.compare on well-formed strings", (t) => {
  fc.assert(
    fc.property(strings, strings, (a, b) => sign(compareUtf8(a, b)) === byteCompare(a, b)),
    runs,
  );
  fc.assert(
    fc.property(strings, (a) => compareUtf8(a, a) === 0),
    runs,
  );
  t.pass();
});

test("compareUtf8 orders any code units by code point (WTF-8 order)", (t) => {
  const unit = fc.oneof(
    fc.constantFrom(
      "\ud800",
      "\udbff",
      "\udc00",
      "\udfff",
      "\ud83d\ude00",
      "\ue000",
      "\uffff",
      "a",
    ),
    fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
  );
  const units = fc.string({ unit, maxLength: 8 });
  const prefixed = fc.tuple(units, units, units).map(([p, a, b]) => [p + a, p + b] as const);
  fc.assert(
    fc.property(prefixed, ([a, b]) => {
      const got = sign(compareUtf8(a, b));
      return got === codePointCompare(a, b) && got === -sign(compareUtf8(b, a));
    }),
    runs,
  );
  t.pass();
});
