import { isAttributeName } from "../names.js";
import { setOwn } from "../note.js";
import type { DecodeTrail, EncodeTrail } from "../trail.js";
import { type Encoded, type EncodeWalker, misfit, type TypeCodec } from "./codec.js";

type Fields = Record<string, unknown>;

/**
 * A plain object is an `M`. When one of its keys cannot be a DynamoDB name (the empty string, a
 * lone surrogate), it is a list of `[key, value]` pairs tagged `object`.
 */
export const record: TypeCodec<Fields> = {
  tag: "object",
  match: (value) => (isPlainObject(value) ? value : undefined),
  encode: (value, depth, walker) =>
    fieldsOrPairs(value, value, ownKeys(value, walker.trail), depth, walker, undefined),
  decode(raw, type, node, tag, depth, walker) {
    if (tag === undefined && type === "M") return walker.fields(raw, node, depth, {});
    if (tag === undefined || type !== "L") return misfit(tag, type, walker);
    return fieldsFromPairs(walker.pairs(raw, node, depth), {}, walker.trail);
  },
};

export function isPlainObject(value: object): value is Fields {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own enumerable string keys; symbol keys would be silently lost, so they are refused. */
export function ownKeys(value: object, trail: EncodeTrail): string[] {
  const symbols = Object.getOwnPropertySymbols(value);
  if (symbols.some((symbol) => Object.prototype.propertyIsEnumerable.call(value, symbol))) {
    trail.fail("an object with symbol keys", "symbol keys cannot be stored; use string keys");
  }
  return Object.keys(value);
}

/**
 * Named fields (of an object, a registered class's instance, an Error) as an `M`, or as pairs
 * when a key cannot be a name; `tag` is the type's own, if it has one.
 */
export function fieldsOrPairs(
  owner: object,
  fields: Readonly<Fields>,
  keys: readonly string[],
  depth: number,
  walker: EncodeWalker,
  tag: string | undefined,
): Encoded {
  if (keys.every(isAttributeName)) return walker.fields(owner, fields, keys, depth, tag);
  const entries = keys.map((key) => [key, fields[key]] as const);
  return walker.pairs(owner, entries, depth, tag ?? (record.tag as string));
}

export function fieldsFromPairs<T extends object>(
  pairs: [unknown, unknown][],
  target: T,
  trail: DecodeTrail,
): T {
  for (const [key, value] of pairs) {
    if (typeof key !== "string") trail.fail("an object's key must be a string");
    if (Object.hasOwn(target, key)) trail.fail(`it holds the key ${JSON.stringify(key)} twice`);
    setOwn(target as Fields, key, value);
  }
  return target;
}
