import type { Fields } from "../item.js";
import { isAttributeName } from "../names.js";
import type { EncodeTrail } from "../trail.js";
import { type Encoded, type EncodeWalker, misfit, type TypeCodec } from "./codec.js";

/**
 * A plain object is an `M`. When one of its keys cannot be a DynamoDB name (the empty string, a
 * lone surrogate), it is a list of `[key, value]` pairs tagged `object`.
 */
export const record: TypeCodec<Fields> = {
  tag: "object",
  match: (value) => (isPlainObject(value) ? value : undefined),
  encode: (value, depth, walker) =>
    fieldsOrPairs(value, value, ownKeys(value, walker.trail), depth, walker, undefined),
  // An object's M is untagged, and its pairs always tagged.
  decode(raw, type, node, tag, depth, walker) {
    if (tag === undefined && type === "M") return walker.fields(raw, node, depth, {});
    if (tag !== undefined && type === "L") return walker.pairFields(raw, node, depth, {});
    return misfit(tag, type, walker);
  },
};

export function isPlainObject(value: object): value is Record<string, unknown> {
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
  fields: Fields,
  keys: readonly string[],
  depth: number,
  walker: EncodeWalker,
  tag: string | undefined,
): Encoded {
  if (keys.every(isAttributeName)) return walker.fields(owner, fields, keys, depth, tag);
  const entries = keys.map((key) => [key, fields[key]] as const);
  return walker.pairs(owner, entries, depth, tag ?? (record.tag as string));
}
