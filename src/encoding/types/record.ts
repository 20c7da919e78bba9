import type { Fields } from "../item.js";
import { isAttributeName } from "../names.js";
import { type NoteNode, setOwn, type Tag } from "../note.js";
import type { EncodeTrail } from "../trail.js";
import {
  type AvType,
  type DecodeWalker,
  type Encoded,
  type EncodeWalker,
  misfit,
  type TypeCodec,
} from "./codec.js";

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
  decode: (raw, type, node, tag, depth, walker) =>
    (tag === undefined) === (type === "M")
      ? readFields(raw, type, node, tag, depth, walker, {})
      : misfit(tag, type, walker),
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

/** Reads back what {@link fieldsOrPairs} stored, into `target`. */
export function readFields<T extends object>(
  raw: unknown,
  type: AvType,
  node: NoteNode | undefined,
  tag: Tag | undefined,
  depth: number,
  walker: DecodeWalker,
  target: T,
): T {
  if (type === "M") return walker.fields(raw, node, depth, target);
  if (type !== "L") return misfit(tag, type, walker);
  const { trail } = walker;
  for (const [key, value] of walker.pairs(raw, node, depth)) {
    if (typeof key !== "string") return trail.fail("an object's key must be a string");
    if (Object.hasOwn(target, key))
      return trail.fail(`it holds the key ${JSON.stringify(key)} twice`);
    setOwn(target as Record<string, unknown>, key, value);
  }
  return target;
}
