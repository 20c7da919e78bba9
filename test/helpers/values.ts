import { registerClass } from "dynatom";
import fc from "fast-check";

/** A registered class, to check that instances come back with their prototype. */
export class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}
registerClass(Point, "test.Point");

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Strings of any Unicode, lone surrogates included. */
export const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom("a", "é", "😀", "\u0000"), loneSurrogate),
    maxLength: 6,
  }),
  fc.constant(""),
);

/** Object keys, the awkward ones often. */
export const anyKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "a.b",
      "x/y",
      "",
      "toString",
      "S",
      "M",
    ),
  },
  { weight: 1, arbitrary: anyString },
);

export const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    5e-324,
    1e300,
    -1e300,
    2 ** 53 + 1,
    -0,
    Number.NaN,
    Infinity,
    -Infinity,
    1e-130,
    1e126,
    0.1,
  ),
);

export const anyBigInt = fc.oneof(
  fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }),
  fc.bigInt(),
  fc.bigInt({ min: -5n, max: 5n }),
);

export const anyDate = fc.oneof(
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(
    new Date(Number.NaN),
    new Date("+010000-01-01T00:00:00Z"),
    new Date("-000001-06-01T00:00:00Z"),
  ),
);

const anyBinary = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => bytes.slice().buffer),
  fc.int8Array({ maxLength: 4 }),
  fc.uint8ClampedArray({ maxLength: 4 }),
  fc.int16Array({ maxLength: 4 }),
  fc.uint16Array({ maxLength: 4 }),
  fc.int32Array({ maxLength: 4 }),
  fc.uint32Array({ maxLength: 4 }),
  fc.float32Array({ maxLength: 4 }),
  fc.float64Array({ maxLength: 4 }),
  fc.bigInt64Array({ maxLength: 4 }),
  fc.bigUint64Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => new DataView(bytes.slice().buffer)),
);

const anyLeaf = fc.oneof(
  anyString,
  anyNumber,
  anyBigInt,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  anyDate,
  fc.constantFrom(/a\/b/gi, /^x+$/mu, /(?:)/y),
  fc.webUrl().map((url) => new URL(url)),
  fc
    .tuple(fc.constantFrom(Error, TypeError, RangeError, SyntaxError), anyString)
    .map(([Ctor, message]) => new Ctor(message)),
  anyBinary,
  fc.tuple(anyNumber, anyNumber).map(([x, y]) => new Point(x, y)),
);

/** An object with these own properties, `__proto__` included as an own property. */
export function objectWith<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function objectOf<T>(value: fc.Arbitrary<T>) {
  return fc.array(fc.tuple(anyKey, value), { maxLength: 5 }).map(objectWith);
}

/** Any value dynatom promises to store exactly, nested a few levels. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: anyLeaf },
    fc.array(tie("value"), { maxLength: 5 }),
    fc.sparseArray(tie("value"), { maxLength: 6 }),
    objectOf(tie("value")),
    fc
      .array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 })
      .map((entries) => new Map(entries)),
    fc.array(fc.tuple(anyKey, tie("value")), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(tie("value"), { maxLength: 4 }).map((members) => new Set(members)),
    fc
      .array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 5 })
      .map((members) => new Set(members)),
    fc.array(fc.double({ noNaN: true }), { maxLength: 5 }).map((members) => new Set(members)),
  ),
})).value;

/** Top-level field names: anything that can be an attribute name but the reserved ones. */
const fieldName = fc
  .oneof(anyKey, fc.constantFrom("constructor", "prototype"))
  .filter(
    (key) =>
      key.length > 0 && key.isWellFormed() && !["pk", "sk", "_types", "__proto__"].includes(key),
  );

/** An item: a plain object of any values. */
export const anyItem = fc
  .array(fc.tuple(fieldName, anyValue), { maxLength: 6 })
  .map((entries) => objectWith<unknown>(entries));
