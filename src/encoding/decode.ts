import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { expectArray, isRecord } from "./expect.js";
import type { Item } from "./item.js";
import { FIELD_LEVEL } from "./limits.js";
import {
  childNode,
  FORMAT_VERSION,
  NOTE_ATTRIBUTE,
  type Note,
  type NoteNode,
  setOwn,
  splitTag,
  tagOf,
} from "./note.js";
import { DecodeTrail } from "./trail.js";
import { type AvType, HOLE, plainCodec, type TypeCodec, taggedCodec } from "./types/index.js";

export interface DecodeOptions {
  /** Attributes that are not part of the value, such as table keys: they are left out. */
  readonly omit?: (name: string) => boolean;
}

/**
 * Turns stored attribute values (from GetItem, a query, a stream's `NewImage`) back into the
 * value that was encoded, restoring rich types from the `_types` note. Safe on items nobody here
 * wrote: anything malformed gives `DecodeError`, decoded objects never inherit a property they
 * did not store, and `Object.prototype` is never touched.
 *
 * @example
 * decodeItem({ id: { S: "a1" }, at: { S: "1970-01-01T00:00:00.000Z" },
 *              _types: { S: '{"v":1,"t":{"at":"Date"}}' } });
 * // { id: "a1", at: new Date(0) }
 */
export function decodeItem(
  item: Readonly<Record<string, AttributeValue>>,
  options: DecodeOptions = {},
): Record<string, unknown> {
  const walker = new DecodeWalker();
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    walker.trail.fail("an item must be an object of attribute values");
  }
  const note = readNote(item, walker.trail);
  // The item is level 1: its attributes are its fields, the note's top level their nodes.
  const node = note === undefined ? undefined : { c: note.t };
  return walker.fields(item, node, FIELD_LEVEL - 1, {}, options);
}

function readNote(item: Readonly<Item>, trail: DecodeTrail): Note | undefined {
  if (!Object.hasOwn(item, NOTE_ATTRIBUTE)) return undefined;
  trail.path.push(NOTE_ATTRIBUTE);
  const text = (item[NOTE_ATTRIBUTE] as { S?: unknown } | undefined)?.S;
  if (typeof text !== "string") trail.fail("the type note must be a string (S)");
  let note: unknown;
  try {
    note = JSON.parse(text);
  } catch {
    trail.fail("the type note is not valid JSON");
  }
  if (!isRecord(note) || typeof note.v !== "number" || !isRecord(note.t)) {
    trail.fail('the type note must look like {"v":1,"t":{…}}');
  }
  if (note.v > FORMAT_VERSION) {
    trail.fail(
      `it was written in stored format ${note.v} by a newer dynatom; this one reads up to ` +
        `${FORMAT_VERSION}: upgrade dynatom`,
    );
  }
  trail.path.pop();
  return note as unknown as Note;
}

function checkNode(node: unknown, trail: DecodeTrail): NoteNode | undefined {
  if (node === undefined || typeof node === "string") return node;
  if (
    !isRecord(node) ||
    (node.t !== undefined && typeof node.t !== "string") ||
    (node.c !== undefined && !isRecord(node.c)) ||
    (node.e !== undefined && typeof node.e !== "string" && !isRecord(node.e)) ||
    (node.k !== undefined && !(Array.isArray(node.k) && node.k.every((k) => typeof k === "string")))
  ) {
    return trail.fail("its type note entry is malformed");
  }
  return node as NoteNode;
}

/** The DynamoDB type of an attribute value, and the codec that reads it untagged. */
function typeOf(av: unknown, trail: DecodeTrail): [AvType, TypeCodec<unknown>] {
  if (!isRecord(av)) return trail.fail('expected an attribute value such as {"S":"…"}');
  // The SDK adds `$unknown` for a type it does not know; it is not a value.
  let type: string | undefined;
  let count = 0;
  for (const key of Object.keys(av)) {
    if (key === "$unknown") continue;
    type = key;
    count++;
  }
  const codec = count === 1 && type !== undefined ? plainCodec(type) : undefined;
  if (codec === undefined) {
    const found = Object.keys(av).filter((key) => key !== "$unknown");
    return trail.fail(
      `expected exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL, found ${JSON.stringify(found)}`,
    );
  }
  return [type as AvType, codec];
}

/**
 * One decoding's walk: each stored value is read by the codec its tag names (or, untagged, by
 * the codec of its DynamoDB type), and containers read their children one level deeper with
 * their step on the trail and their node from the container's note.
 */
export class DecodeWalker {
  readonly trail: DecodeTrail = new DecodeTrail();

  /**
   * A stored value with its note node (unchecked). A hole is malformed unless `holeAllowed` (an
   * array's element): anywhere else it would pass for a value.
   */
  value(av: unknown, rawNode: unknown, depth: number, holeAllowed = false): unknown {
    const node = checkNode(rawNode, this.trail);
    const [type, plain] = typeOf(av, this.trail);
    const raw = (av as Record<string, unknown>)[type];
    const text = tagOf(node);
    if (text === undefined) return plain.decode(raw, type, node, undefined, depth, this);
    const tag = splitTag(text);
    const codec = taggedCodec(tag);
    if (codec === undefined) {
      return this.trail.fail(`its type note says "${text}", which does not fit a stored ${type}`);
    }
    const value = codec.decode(raw, type, node, tag, depth, this);
    // Only a tag makes a hole.
    if (value === HOLE && !holeAllowed) this.trail.fail("a hole can only be an array element");
    return value;
  }

  /** A stored value of a plain type, as if it had no tag. */
  plain(raw: unknown, type: AvType, depth: number): unknown {
    return plainCodec(type)?.decode(raw, type, undefined, undefined, depth, this);
  }

  /** An `L`'s elements; with `holes` (an array's), a hole stays a hole, else it is malformed. */
  list(raw: unknown, node: NoteNode | undefined, depth: number, holes = false): unknown[] {
    this.trail.checkDepth(depth);
    const list = expectArray(raw, this.trail);
    const out: unknown[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const value = this.#child(i, list[i], node, depth + 1, holes);
      if (value !== HOLE) out[i] = value;
    }
    return out;
  }

  /**
   * An `M`'s fields, set as own properties of `target`. With `item`, it is the item's own: its
   * note and the attributes `item.omit` names are not fields.
   */
  fields<T extends object>(
    raw: unknown,
    node: NoteNode | undefined,
    depth: number,
    target: T,
    item?: DecodeOptions,
  ): T {
    this.trail.checkDepth(depth);
    if (!isRecord(raw)) this.trail.fail("M must hold an object");
    for (const key of Object.keys(raw)) {
      if (item !== undefined && (key === NOTE_ATTRIBUTE || item.omit?.(key))) continue;
      const value = this.#child(key, raw[key], node, depth + 1, false);
      setOwn(target as Record<string, unknown>, key, value);
    }
    return target;
  }

  /**
   * An `L` of `[key, value]` lists whose keys are strings (the form of named fields when a key
   * cannot be a DynamoDB name), set as own properties of `target`.
   */
  pairFields<T extends object>(
    raw: unknown,
    node: NoteNode | undefined,
    depth: number,
    target: T,
  ): T {
    for (const [key, value] of this.pairs(raw, node, depth)) {
      if (typeof key !== "string") this.trail.fail("an object's key must be a string");
      if (Object.hasOwn(target, key))
        this.trail.fail(`it holds the key ${JSON.stringify(key)} twice`);
      setOwn(target as Record<string, unknown>, key, value);
    }
    return target;
  }

  /** An `L` of `[key, value]` lists. */
  pairs(raw: unknown, node: NoteNode | undefined, depth: number): [unknown, unknown][] {
    return this.list(raw, node, depth).map((pair) => {
      // The pair is read as an array, so a hole in it would pass for an undefined key or value.
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        !(Object.hasOwn(pair, 0) && Object.hasOwn(pair, 1))
      )
        this.trail.fail("a map entry must be a [key, value] list");
      return pair as [unknown, unknown];
    });
  }

  #child(
    step: string | number,
    av: unknown,
    node: NoteNode | undefined,
    depth: number,
    holeAllowed: boolean,
  ): unknown {
    this.trail.path.push(step);
    const value = this.value(av, childNode(node, String(step)), depth, holeAllowed);
    this.trail.path.pop();
    return value;
  }
}
