import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { EncodingError, ItemTooLargeError } from "../errors/index.js";
import { binaryOf } from "./binary.js";
import { assertItemSize } from "./item-size.js";
import { bigintToN, FIELD_LEVEL, MAX_DEPTH, MAX_ITEM_BYTES, numberToN } from "./limits.js";
import { isAttributeName } from "./names.js";
import {
  collapseList,
  FORMAT_VERSION,
  finish,
  NOTE_ATTRIBUTE,
  type NoteNode,
  type NoteTree,
  setOwn,
  TAG,
  withChild,
} from "./note.js";
import { formatPath } from "./path.js";
import { allowedProps, classIdentifier, customFor, serializeCustom } from "./registry.js";
import { Walk } from "./walk.js";

/** One encoded value: its attribute value, and its note node when it needs one. */
interface Encoded {
  readonly av: AttributeValue;
  readonly note: NoteNode | undefined;
}

/**
 * Turns a plain object into DynamoDB attribute values: each top-level field is its own attribute
 * in its most natural DynamoDB type, and what plain types cannot say travels in one small note
 * attribute (`_types`), present only when needed. Throws `EncodingError` before any I/O for what
 * cannot be stored (naming the path), and `ItemTooLargeError` for an item over DynamoDB's size
 * limit; it never stores a lossy form.
 *
 * @example
 * encodeItem({ id: "a1", n: 1, at: new Date(0) });
 * // { id: { S: "a1" }, n: { N: "1" }, at: { S: "1970-01-01T00:00:00.000Z" },
 * //   _types: { S: '{"v":1,"t":{"at":"Date"}}' } }
 */
export function encodeItem(
  value: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  const item = encodeFields(value);
  assertItemSize(item);
  return item;
}

/**
 * `encodeItem` without the size check, for callers that add attributes and check the size of
 * the whole item once.
 */
export function encodeFields(
  value: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  const walk = new Walk();
  if (typeof value !== "object" || value === null || !isPlainObject(value)) {
    walk.fail("encoding.unsupported", describe(value), "an item must be a plain object");
  }
  const item: Record<string, AttributeValue> = {};
  let types: Record<string, NoteNode> | undefined;
  walk.enter(value, 0);
  for (const key of ownKeys(value, walk)) {
    const invalid = invalidFieldName(key);
    if (invalid !== undefined) {
      throw new EncodingError("encoding.invalid-name", `${invalid}; rename the field.`, {
        details: { path: formatPath([key]), name: key },
      });
    }
    walk.path.push(key);
    const encoded = encodeValue(value[key], FIELD_LEVEL, walk);
    walk.path.pop();
    setOwn(item, key, encoded.av);
    if (encoded.note !== undefined) {
      types ??= {};
      setOwn(types, key, encoded.note);
    }
  }
  if (types !== undefined) {
    item[NOTE_ATTRIBUTE] = { S: JSON.stringify({ v: FORMAT_VERSION, t: types }) };
  }
  return item;
}

/** Why a top-level field name cannot be an attribute of its own, or undefined when it can. */
function invalidFieldName(key: string): string | undefined {
  if (key === NOTE_ATTRIBUTE)
    return `The field "${NOTE_ATTRIBUTE}" is reserved for dynatom's type note`;
  // The AWS SDK's response parser drops a top-level attribute of this name that holds a map,
  // so it would not come back; nested keys of this name are fine.
  if (key === "__proto__")
    return 'A top-level field named "__proto__" does not survive the AWS SDK';
  if (!isAttributeName(key)) {
    return `The field name ${JSON.stringify(key)} cannot be a DynamoDB attribute name (it must be non-empty, valid UTF-8 text)`;
  }
  return undefined;
}

function encodeValue(value: unknown, depth: number, walk: Walk): Encoded {
  switch (typeof value) {
    case "string":
      return value.isWellFormed()
        ? { av: { S: value }, note: undefined }
        : // A lone surrogate has no UTF-8 form: store the JSON escape of the string.
          { av: { S: JSON.stringify(value) }, note: TAG.escaped };
    case "number": {
      const n = numberToN(value);
      return n !== undefined
        ? { av: { N: n }, note: undefined }
        : { av: { S: Object.is(value, -0) ? "-0" : String(value) }, note: TAG.number };
    }
    case "boolean":
      return { av: { BOOL: value }, note: undefined };
    case "bigint": {
      const n = bigintToN(value);
      return { av: n !== undefined ? { N: n } : { S: String(value) }, note: TAG.bigint };
    }
    case "undefined":
      return { av: { NULL: true }, note: TAG.undefined };
    case "object":
      return value === null
        ? { av: { NULL: true }, note: undefined }
        : encodeObject(value, depth, walk);
    case "function":
      return walk.fail(
        "encoding.unsupported",
        `a function (${value.name || "anonymous"})`,
        "functions cannot be stored; remove it or store data that describes it",
      );
    default:
      return walk.fail(
        "encoding.unsupported",
        "a symbol",
        "symbols cannot be stored; use a string",
      );
  }
}

function encodeObject(value: object, depth: number, walk: Walk): Encoded {
  if (Array.isArray(value)) return encodeArray(value, depth, walk);
  if (value instanceof Date) {
    const time = value.getTime();
    return { av: { S: Number.isNaN(time) ? "Invalid Date" : value.toISOString() }, note: TAG.date };
  }
  const binary = binaryOf(value);
  if (binary !== undefined) {
    return {
      av: { B: binary.bytes },
      note: binary.kind === undefined ? undefined : `${TAG.bytes}:${binary.kind}`,
    };
  }
  if (value instanceof Map) return encodeMap(value, depth, walk);
  if (value instanceof Set) return encodeSet(value, depth, walk);
  if (value instanceof RegExp) return { av: { S: String(value) }, note: TAG.regexp };
  if (value instanceof URL) return { av: { S: value.href }, note: TAG.url };
  if (value instanceof Error) return encodeError(value, depth, walk);
  if (isPlainObject(value))
    return encodeRecord(value, ownKeys(value, walk), depth, walk, undefined);
  const custom = customFor(value);
  if (custom !== undefined) {
    const what = `a value of the custom type "${custom.name}"`;
    const serialized = serializeCustom(custom, value, (why, cause) =>
      walk.fail("encoding.unsupported", what, why, cause),
    );
    const inner = encodeValue(serialized, depth, walk);
    const tag = `${TAG.custom}:${custom.name}`;
    return { av: inner.av, note: inner.note === undefined ? tag : { t: tag, i: inner.note } };
  }
  const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown }).constructor;
  const id = classIdentifier(ctor);
  if (id !== undefined) {
    const keys = allowedProps(ctor) ?? ownKeys(value, walk);
    return encodeRecord(value as Record<string, unknown>, keys, depth, walk, `${TAG.class}:${id}`);
  }
  const name = typeof ctor === "function" && ctor.name ? ctor.name : "an unknown class";
  return walk.fail(
    "encoding.unsupported",
    `an instance of ${name}`,
    `register the class first (registerClass(${name}) from "dynatom"), or store a plain object`,
  );
}

function encodeArray(value: readonly unknown[], depth: number, walk: Walk): Encoded {
  // Every element takes at least a byte of the item, holes too: a longer array can never be
  // stored, and a sparse one (`a[1e9] = x`) must not be walked element by element.
  if (value.length > MAX_ITEM_BYTES) {
    throw new ItemTooLargeError(
      `The array at ${formatPath(walk.path)} has ${value.length} elements (holes count), each at least a byte: over DynamoDB's limit of ${MAX_ITEM_BYTES} bytes. Store it elsewhere (for example as a blob) or split it.`,
      { details: { size: value.length, limit: MAX_ITEM_BYTES, largest: [] } },
    );
  }
  walk.enter(value, depth);
  const list: AttributeValue[] = new Array(value.length);
  let tree: NoteTree | undefined;
  for (let i = 0; i < value.length; i++) {
    if (!Object.hasOwn(value, i)) {
      list[i] = { NULL: true };
      tree = withChild(tree, String(i), TAG.hole);
      continue;
    }
    walk.path.push(i);
    const encoded = encodeValue(value[i], depth + 1, walk);
    walk.path.pop();
    list[i] = encoded.av;
    if (encoded.note !== undefined) tree = withChild(tree, String(i), encoded.note);
  }
  walk.leave(value);
  return { av: { L: list }, note: finish(undefined, collapseList(tree, list.length)) };
}

/** Objects, registered class instances and string-keyed Maps become `M` when every key can be a name. */
function encodeRecord(
  value: Readonly<Record<string, unknown>>,
  keys: readonly string[],
  depth: number,
  walk: Walk,
  tag: string | undefined,
): Encoded {
  if (!keys.every(isAttributeName)) {
    return encodePairs(
      keys.map((key) => [key, value[key]] as const),
      depth,
      walk,
      tag ?? TAG.object,
      value,
    );
  }
  walk.enter(value, depth);
  const map: Record<string, AttributeValue> = {};
  let tree: NoteTree | undefined;
  for (const key of keys) {
    walk.path.push(key);
    const encoded = encodeValue(value[key], depth + 1, walk);
    walk.path.pop();
    setOwn(map, key, encoded.av);
    if (encoded.note !== undefined) tree = withChild(tree, key, encoded.note);
  }
  walk.leave(value);
  return { av: { M: map }, note: finish(tag, tree) };
}

/** Entries as a list of `[key, value]` lists: for Maps with non-string keys, and unusual names. */
function encodePairs(
  entries: Iterable<readonly [unknown, unknown]>,
  depth: number,
  walk: Walk,
  tag: string,
  owner: object,
): Encoded {
  walk.enter(owner, depth);
  const list: AttributeValue[] = [];
  let tree: NoteTree | undefined;
  let index = 0;
  for (const [key, entryValue] of entries) {
    if (depth + 1 > MAX_DEPTH) walk.enter(owner, depth + 1);
    walk.path.push({ entry: index, part: "key" });
    const k = encodeValue(key, depth + 2, walk);
    walk.path.pop();
    walk.path.push({ entry: index, part: "value" });
    const v = encodeValue(entryValue, depth + 2, walk);
    walk.path.pop();
    list.push({ L: [k.av, v.av] });
    let pair: NoteTree | undefined;
    if (k.note !== undefined) pair = withChild(pair, "0", k.note);
    if (v.note !== undefined) pair = withChild(pair, "1", v.note);
    if (pair !== undefined) tree = withChild(tree, String(index), pair);
    index++;
  }
  walk.leave(owner);
  return { av: { L: list }, note: finish(tag, collapseList(tree, list.length)) };
}

function encodeMap(value: ReadonlyMap<unknown, unknown>, depth: number, walk: Walk): Encoded {
  const keys: string[] = [];
  for (const key of value.keys()) {
    if (typeof key !== "string" || !isAttributeName(key)) {
      return encodePairs(value.entries(), depth, walk, TAG.map, value);
    }
    keys.push(key);
  }
  const record: Record<string, unknown> = {};
  for (const [key, entryValue] of value) setOwn(record, key as string, entryValue);
  walk.enter(value, depth);
  walk.leave(value);
  const encoded = encodeRecord(record, keys, depth, walk, TAG.map);
  // DynamoDB keeps no order in a map: the note keeps the Map's order unless it is the sorted one.
  if (!isSorted(keys)) {
    const tree: NoteTree = typeof encoded.note === "object" ? encoded.note : { t: TAG.map };
    tree.k = keys;
    return { av: encoded.av, note: tree };
  }
  return encoded;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/**
 * Non-empty sets of plain strings or of numbers DynamoDB holds exactly become `SS`/`NS`, which
 * need no note (DynamoDB keeps no order in a set: they come back sorted). Any other set is a
 * list tagged `set`, in its own order.
 */
function encodeSet(value: ReadonlySet<unknown>, depth: number, walk: Walk): Encoded {
  if (value.size > 0) {
    let strings = true;
    let numbers = true;
    for (const member of value) {
      if (strings && !(typeof member === "string" && member !== "" && member.isWellFormed()))
        strings = false;
      if (numbers && !(typeof member === "number" && numberToN(member) !== undefined))
        numbers = false;
      if (!strings && !numbers) break;
    }
    if (strings) return { av: { SS: [...(value as ReadonlySet<string>)].sort() }, note: undefined };
    if (numbers) {
      const sorted = [...(value as ReadonlySet<number>)].sort((a, b) => a - b);
      return { av: { NS: sorted.map((n) => numberToN(n) as string) }, note: undefined };
    }
  }
  walk.enter(value, depth);
  const list: AttributeValue[] = [];
  let tree: NoteTree | undefined;
  let index = 0;
  for (const member of value) {
    walk.path.push(index);
    const encoded = encodeValue(member, depth + 1, walk);
    walk.path.pop();
    list.push(encoded.av);
    if (encoded.note !== undefined) tree = withChild(tree, String(index), encoded.note);
    index++;
  }
  walk.leave(value);
  return { av: { L: list }, note: finish(TAG.set, collapseList(tree, list.length)) };
}

function encodeError(value: Error, depth: number, walk: Walk): Encoded {
  const record: Record<string, unknown> = { name: value.name, message: value.message };
  for (const key of ownKeys(value, walk))
    if (key !== "stack") setOwn(record, key, (value as unknown as Record<string, unknown>)[key]);
  if (Object.hasOwn(value, "cause")) record.cause = value.cause;
  walk.enter(value, depth);
  walk.leave(value);
  return encodeRecord(record, Object.keys(record), depth, walk, TAG.error);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own enumerable string keys; symbol keys would be silently lost, so they are refused. */
function ownKeys(value: object, walk: Walk): string[] {
  const symbols = Object.getOwnPropertySymbols(value);
  if (symbols.some((symbol) => Object.prototype.propertyIsEnumerable.call(value, symbol))) {
    walk.fail(
      "encoding.unsupported",
      "an object with symbol keys",
      "symbol keys cannot be stored; use string keys",
    );
  }
  return Object.keys(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object")
    return `an instance of ${value.constructor?.name ?? "an unknown class"}`;
  return `a ${typeof value}`;
}
