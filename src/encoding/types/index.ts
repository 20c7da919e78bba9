/**
 * Every stored type, and how the walks find a value's type: the encoder by `typeof` and then by
 * each object type's `match`, the decoder by the note's tag or, without one, by the attribute's
 * DynamoDB type. The tables are exhaustive records, so a new kind does not compile until it has
 * its codec and its place in them.
 */

import type { EncodeWalker } from "../encode.js";
import type { Tag } from "../note.js";
import { array } from "./array.js";
import { bigint } from "./bigint.js";
import { binary } from "./binary.js";
import { boolean } from "./boolean.js";
import { classCodec } from "./class.js";
import type { AvType, Encoded, TypeCodec } from "./codec.js";
import { custom } from "./custom.js";
import { date } from "./date.js";
import { error } from "./error.js";
import { hole } from "./hole.js";
import { map } from "./map.js";
import { nullCodec } from "./null.js";
import { number } from "./number.js";
import { isPlainObject, record } from "./record.js";
import { regexp } from "./regexp.js";
import { set } from "./set.js";
import { string } from "./string.js";
import { undefinedCodec } from "./undefined.js";
import { url } from "./url.js";

type PrimitiveKind = "string" | "number" | "boolean" | "bigint" | "undefined" | "null" | "hole";
type ObjectKind =
  | "array"
  | "date"
  | "binary"
  | "map"
  | "set"
  | "regexp"
  | "url"
  | "error"
  | "record"
  | "custom"
  | "class";
type Kind = PrimitiveKind | ObjectKind;

const CODECS = {
  string,
  number,
  boolean,
  bigint,
  undefined: undefinedCodec,
  null: nullCodec,
  hole,
  array,
  date,
  binary,
  map,
  set,
  regexp,
  url,
  error,
  record,
  custom,
  class: classCodec,
} as const satisfies Record<Kind, TypeCodec<unknown>>;

// The order the encoder tries the object types in: the first that matches stores the value. A
// Date subclass is a Date, a registered class that extends Map is a Map, and a custom transformer
// or a registered class only applies to what no built-in type claims.
const PRECEDENCE: Record<ObjectKind, number> = {
  array: 0,
  date: 1,
  binary: 2,
  map: 3,
  set: 4,
  regexp: 5,
  url: 6,
  error: 7,
  record: 8,
  custom: 9,
  class: 10,
};

const OBJECT_CODECS: readonly TypeCodec<unknown>[] = (Object.keys(PRECEDENCE) as ObjectKind[])
  .sort((a, b) => PRECEDENCE[a] - PRECEDENCE[b])
  .map((kind) => CODECS[kind] as TypeCodec<unknown>);

/** How an attribute value without a tag is read. */
const PLAIN: Record<AvType, TypeCodec<unknown>> = {
  S: string,
  N: number,
  BOOL: boolean,
  NULL: nullCodec,
  B: binary,
  SS: set,
  NS: set,
  BS: set,
  L: array,
  M: record,
};

const PLAIN_BY_TYPE = new Map<string, TypeCodec<unknown>>(Object.entries(PLAIN));

const BY_TAG = new Map<string, TypeCodec<unknown>>();
for (const codec of Object.values(CODECS) as TypeCodec<unknown>[]) {
  if (codec.tag !== undefined) BY_TAG.set(codec.tag, codec);
}

/** Encodes any value, by its type's codec; refuses what no type stores, naming it. */
export function encodeAny(value: unknown, depth: number, walker: EncodeWalker): Encoded {
  switch (typeof value) {
    case "string":
      return string.encode(value, depth, walker);
    case "number":
      return number.encode(value, depth, walker);
    case "boolean":
      return boolean.encode(value, depth, walker);
    case "bigint":
      return bigint.encode(value, depth, walker);
    case "undefined":
      return undefinedCodec.encode(value, depth, walker);
    case "object":
      return value === null
        ? nullCodec.encode(value, depth, walker)
        : encodeObject(value, depth, walker);
    case "function":
      return walker.trail.fail(
        `a function (${value.name || "anonymous"})`,
        "functions cannot be stored; remove it or store data that describes it",
      );
    default:
      return walker.trail.fail("a symbol", "symbols cannot be stored; use a string");
  }
}

function encodeObject(value: object, depth: number, walker: EncodeWalker): Encoded {
  // The commonest object goes first: of the types before `record`, only `array` claims an object
  // whose prototype is Object's or null (the others test instanceof, or a typed array's own
  // prototype), so this is the order's own answer.
  if (!Array.isArray(value) && isPlainObject(value)) return record.encode(value, depth, walker);
  for (const codec of OBJECT_CODECS) {
    const matched = codec.match?.(value);
    if (matched !== undefined) return codec.encode(matched, depth, walker);
  }
  const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown }).constructor;
  const name = typeof ctor === "function" && ctor.name ? ctor.name : "an unknown class";
  return walker.trail.fail(
    `an instance of ${name}`,
    `register the class first (registerClass(${name}) from "dynatom"), or store a plain object`,
  );
}

/** The codec that reads an untagged value of this DynamoDB type; undefined for no such type. */
export function plainCodec(type: string): TypeCodec<unknown> | undefined {
  return PLAIN_BY_TYPE.get(type);
}

/** The codec that reads a value with this tag, if any. */
export function taggedCodec(tag: Tag): TypeCodec<unknown> | undefined {
  return BY_TAG.get(tag.name);
}

export type { AvType, Encoded, TypeCodec } from "./codec.js";
export { HOLE } from "./codec.js";
