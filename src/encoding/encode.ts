import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { EncodingError } from "../errors/index.js";
import type { Item } from "./item.js";
import { assertItemSize } from "./item-size.js";
import { FIELD_LEVEL, MAX_DEPTH } from "./limits.js";
import { isAttributeName } from "./names.js";
import {
  collapseList,
  FORMAT_VERSION,
  finish,
  NOTE_ATTRIBUTE,
  type NoteTree,
  setOwn,
  withChild,
} from "./note.js";
import { formatPath, type PathStep } from "./path.js";
import { EncodeTrail } from "./trail.js";
import { hole } from "./types/hole.js";
import { type Encoded, encodeAny, HOLE } from "./types/index.js";
import { isPlainObject, ownKeys } from "./types/record.js";

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
  const walker = new EncodeWalker();
  if (typeof value !== "object" || value === null || !isPlainObject(value)) {
    walker.trail.fail(kindOfItem(value), "an item must be a plain object");
  }
  const keys = ownKeys(value, walker.trail);
  // The item is level 1: its fields are the attributes, and their notes the note's top level.
  const encoded = walker.fields(value, value, keys, FIELD_LEVEL - 1, undefined, checkFieldName);
  const item = (encoded.av as { M: Item }).M;
  const types = (encoded.note as NoteTree | undefined)?.c;
  if (types !== undefined) {
    item[NOTE_ATTRIBUTE] = { S: JSON.stringify({ v: FORMAT_VERSION, t: types }) };
  }
  return item;
}

/** Refuses a top-level field name that cannot be an attribute of its own. */
function checkFieldName(key: string): void {
  const invalid = invalidFieldName(key);
  if (invalid === undefined) return;
  throw new EncodingError("encoding.invalid-name", `${invalid}; rename the field.`, {
    details: { path: formatPath([key]), name: key },
  });
}

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

/** What the item given to `encodeItem` is, when it is not a plain object. */
function kindOfItem(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object")
    return `an instance of ${value.constructor?.name ?? "an unknown class"}`;
  return `a ${typeof value}`;
}

/**
 * One encoding's walk: the types encode what they hold through it, and it walks the containers.
 * Every container is entered at its depth (refused when too deep, or when it encloses itself),
 * and each child is encoded one level deeper with its step on the trail; children's notes are
 * gathered into the container's note tree.
 */
export class EncodeWalker {
  readonly trail: EncodeTrail = new EncodeTrail();

  /** Any value, by its type's codec. */
  value(value: unknown, depth: number): Encoded {
    return encodeAny(value, depth, this);
  }

  /** `elements` as an `L`, one element per index; a missing index is a hole. */
  list(
    owner: object,
    elements: readonly unknown[],
    depth: number,
    tag: string | undefined,
  ): Encoded {
    this.trail.enter(owner, depth);
    const list: AttributeValue[] = new Array(elements.length);
    let tree: NoteTree | undefined;
    for (let i = 0; i < elements.length; i++) {
      const encoded = Object.hasOwn(elements, i)
        ? this.#child(i, elements[i], depth + 1)
        : hole.encode(HOLE, depth, this);
      list[i] = encoded.av;
      if (encoded.note !== undefined) tree = withChild(tree, String(i), encoded.note);
    }
    this.trail.leave();
    return { av: { L: list }, note: finish(tag, collapseList(tree, list.length)) };
  }

  /** The `keys` of `fields` as an `M`; `checkKey` may refuse a key before its value is encoded. */
  fields(
    owner: object,
    fields: Readonly<Record<string, unknown>>,
    keys: readonly string[],
    depth: number,
    tag: string | undefined,
    checkKey?: (key: string) => void,
  ): Encoded {
    this.trail.enter(owner, depth);
    const map: Record<string, AttributeValue> = {};
    let tree: NoteTree | undefined;
    for (const key of keys) {
      checkKey?.(key);
      const encoded = this.#child(key, fields[key], depth + 1);
      setOwn(map, key, encoded.av);
      if (encoded.note !== undefined) tree = withChild(tree, key, encoded.note);
    }
    this.trail.leave();
    return { av: { M: map }, note: finish(tag, tree) };
  }

  /** Entries as an `L` of `[key, value]` lists. */
  pairs(
    owner: object,
    entries: Iterable<readonly [unknown, unknown]>,
    depth: number,
    tag: string,
  ): Encoded {
    this.trail.enter(owner, depth);
    const list: AttributeValue[] = [];
    let tree: NoteTree | undefined;
    let index = 0;
    for (const [key, entryValue] of entries) {
      // Each entry is a list of its own: one level for it, one for its key and value.
      if (depth + 1 > MAX_DEPTH) this.trail.enter(owner, depth + 1);
      const k = this.#child({ entry: index, part: "key" }, key, depth + 2);
      const v = this.#child({ entry: index, part: "value" }, entryValue, depth + 2);
      list.push({ L: [k.av, v.av] });
      let pair: NoteTree | undefined;
      if (k.note !== undefined) pair = withChild(pair, "0", k.note);
      if (v.note !== undefined) pair = withChild(pair, "1", v.note);
      if (pair !== undefined) tree = withChild(tree, String(index), pair);
      index++;
    }
    this.trail.leave();
    return { av: { L: list }, note: finish(tag, collapseList(tree, list.length)) };
  }

  #child(step: PathStep, value: unknown, depth: number): Encoded {
    this.trail.path.push(step);
    const encoded = encodeAny(value, depth, this);
    this.trail.path.pop();
    return encoded;
  }
}
