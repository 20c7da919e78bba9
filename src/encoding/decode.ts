import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DecodeError } from "../errors/index.js";
import { binaryFrom, isBinaryKind } from "./binary.js";
import { FIELD_LEVEL } from "./limits.js";
import {
  childNode,
  FORMAT_VERSION,
  NOTE_ATTRIBUTE,
  type Note,
  type NoteNode,
  setOwn,
  splitTag,
  TAG,
  tagOf,
} from "./note.js";
import { decodeError, mapOf, recordFromPairs, repeated, setOf } from "./parts.js";
import { formatPath } from "./path.js";
import {
  expect,
  expectArray,
  expectBytes,
  isRecord,
  parseBigInt,
  parseNumber,
  Read,
} from "./read.js";
import { classByIdentifier, customByName, type JsonValue } from "./registry.js";

// DynamoDB never nests deeper than 32; the margin only guards the stack against hostile input.
const MAX_DECODE_DEPTH = 64;

const HOLE: unique symbol = Symbol("hole");

type AvType = "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL";
const AV_TYPES = new Set<string>(["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"]);

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
  const read = new Read();
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    read.fail("an item must be an object of attribute values");
  }
  const note = readNote(item, read);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(item)) {
    if (key === NOTE_ATTRIBUTE || options.omit?.(key)) continue;
    read.path.push(key);
    const node = note !== undefined && Object.hasOwn(note.t, key) ? note.t[key] : undefined;
    const value = decodeValue(item[key], node, FIELD_LEVEL, read);
    if (value === HOLE) read.fail("a hole can only be an array element");
    read.path.pop();
    setOwn(out, key, value);
  }
  return out;
}

function readNote(item: Readonly<Record<string, AttributeValue>>, read: Read): Note | undefined {
  if (!Object.hasOwn(item, NOTE_ATTRIBUTE)) return undefined;
  read.path.push(NOTE_ATTRIBUTE);
  const text = (item[NOTE_ATTRIBUTE] as { S?: unknown } | undefined)?.S;
  if (typeof text !== "string") read.fail("the type note must be a string (S)");
  let note: unknown;
  try {
    note = JSON.parse(text);
  } catch {
    read.fail("the type note is not valid JSON");
  }
  if (!isRecord(note) || typeof note.v !== "number" || !isRecord(note.t)) {
    read.fail('the type note must look like {"v":1,"t":{…}}');
  }
  if (note.v > FORMAT_VERSION) {
    read.fail(
      `it was written in stored format ${note.v} by a newer dynatom; this one reads up to ` +
        `${FORMAT_VERSION}: upgrade dynatom`,
    );
  }
  read.path.pop();
  return note as unknown as Note;
}

function checkNode(node: unknown, read: Read): NoteNode | undefined {
  if (node === undefined || typeof node === "string") return node;
  if (
    !isRecord(node) ||
    (node.t !== undefined && typeof node.t !== "string") ||
    (node.c !== undefined && !isRecord(node.c)) ||
    (node.e !== undefined && typeof node.e !== "string" && !isRecord(node.e)) ||
    (node.k !== undefined && !(Array.isArray(node.k) && node.k.every((k) => typeof k === "string")))
  ) {
    return read.fail("its type note entry is malformed");
  }
  return node as NoteNode;
}

function avType(av: unknown, read: Read): AvType {
  if (!isRecord(av)) return read.fail('expected an attribute value such as {"S":"…"}');
  const keys = Object.keys(av).filter((key) => key !== "$unknown");
  const type = keys[0];
  if (keys.length !== 1 || type === undefined || !AV_TYPES.has(type)) {
    return read.fail(
      `expected exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL, found ${JSON.stringify(keys)}`,
    );
  }
  return type as AvType;
}

function decodeValue(av: unknown, rawNode: unknown, depth: number, read: Read): unknown {
  const node = checkNode(rawNode, read);
  const type = avType(av, read);
  const raw = (av as Record<string, unknown>)[type];
  const fullTag = tagOf(node);
  if (fullTag === undefined) return decodePlain(type, raw, node, depth, read);
  const { name, arg } = splitTag(fullTag);
  if (name === TAG.custom) return decodeCustom(arg ?? "", type, raw, node, depth, read);
  switch (type) {
    case "S":
      return decodeTaggedString(name, expect(raw, "string", read), read);
    case "N":
      if (name === TAG.bigint) return parseBigInt(expect(raw, "string", read), read);
      break;
    case "NULL":
      if (name === TAG.undefined) return undefined;
      if (name === TAG.hole) return HOLE;
      break;
    case "B":
      if (name === TAG.bytes && arg !== undefined && isBinaryKind(arg)) {
        const bytes = binaryFrom(expectBytes(raw, read), arg);
        return bytes === undefined ? read.fail(`its length does not fit a ${arg}`) : bytes;
      }
      break;
    case "L":
      if (name === TAG.set) return setOf(decodeList(raw, node, depth, read), read);
      if (name === TAG.map) return mapOf(decodePairs(raw, node, depth, read), read);
      if (name === TAG.object)
        return recordFromPairs(decodePairs(raw, node, depth, read), {}, read);
      break;
    case "M":
      if (name === TAG.map) return decodeStringMap(raw, node, depth, read);
      if (name === TAG.error) return decodeError(decodeRecord(raw, node, depth, read, {}), read);
      if (name === TAG.class) {
        const clazz = classByIdentifier(arg ?? "");
        if (clazz === undefined) {
          const path = formatPath(read.path);
          throw new DecodeError(
            "decode.unregistered",
            `The stored value at ${path} is an instance of the class "${arg}", which is not ` +
              `registered here: call registerClass(${arg}) from "dynatom" before decoding.`,
            { details: { path, identifier: arg ?? "" } },
          );
        }
        return decodeRecord(raw, node, depth, read, Object.create(clazz.prototype));
      }
      break;
    default:
      break;
  }
  return read.fail(`its type note says "${fullTag}", which does not fit a stored ${type}`);
}

function decodePlain(
  type: AvType,
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
): unknown {
  switch (type) {
    case "S":
      return expect(raw, "string", read);
    case "N":
      return parseNumber(expect(raw, "string", read), read);
    case "BOOL":
      return expect(raw, "boolean", read);
    case "NULL":
      if (raw !== true) read.fail("NULL must be true");
      return null;
    case "B":
      return binaryFrom(expectBytes(raw, read), undefined);
    case "SS":
      return new Set(
        expectArray(raw, read)
          .map((s) => expect(s, "string", read))
          .sort(),
      );
    case "NS":
      return new Set(
        expectArray(raw, read)
          .map((n) => parseNumber(expect(n, "string", read), read))
          .sort((a, b) => a - b),
      );
    case "BS":
      return new Set(
        expectArray(raw, read).map((b) => binaryFrom(expectBytes(b, read), undefined)),
      );
    case "L":
      return decodeList(raw, node, depth, read);
    case "M":
      return decodeRecord(raw, node, depth, read, {});
  }
}

function decodeTaggedString(name: string, text: string, read: Read): unknown {
  switch (name) {
    case TAG.escaped: {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // fall through to the failure below
      }
      return typeof value === "string"
        ? value
        : read.fail("an escaped string must be a JSON string");
    }
    case TAG.number: {
      const value = Number(text);
      if (Number.isNaN(value) && text !== "NaN") read.fail(`"${text}" is not a number`);
      return value;
    }
    case TAG.bigint:
      return parseBigInt(text, read);
    case TAG.date:
      return new Date(text);
    case TAG.regexp: {
      const slash = text.lastIndexOf("/");
      if (!text.startsWith("/") || slash < 1)
        read.fail(`"${text}" is not a /pattern/flags regular expression`);
      try {
        return new RegExp(text.slice(1, slash), text.slice(slash + 1));
      } catch (cause) {
        return read.fail(
          `"${text}" is not a valid regular expression (${(cause as Error).message})`,
        );
      }
    }
    case TAG.url:
      try {
        return new URL(text);
      } catch {
        return read.fail(`"${text}" is not a valid URL`);
      }
    default:
      return read.fail(`its type note says "${name}", which does not fit a stored S`);
  }
}

function decodeList(
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
): unknown[] {
  if (depth > MAX_DECODE_DEPTH) read.fail("it nests deeper than DynamoDB allows");
  const list = expectArray(raw, read);
  const out: unknown[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    read.path.push(i);
    const value = decodeValue(list[i], childNode(node, String(i)), depth + 1, read);
    read.path.pop();
    if (value !== HOLE) out[i] = value;
  }
  return out;
}

function decodeRecord<T extends object>(
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
  target: T,
): T {
  if (depth > MAX_DECODE_DEPTH) read.fail("it nests deeper than DynamoDB allows");
  if (!isRecord(raw)) read.fail("M must hold an object");
  for (const key of Object.keys(raw)) {
    read.path.push(key);
    const value = decodeValue(raw[key], childNode(node, key), depth + 1, read);
    if (value === HOLE) read.fail("a hole can only be an array element");
    read.path.pop();
    setOwn(target as Record<string, unknown>, key, value);
  }
  return target;
}

function decodePairs(
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
): [unknown, unknown][] {
  return decodeList(raw, node, depth, read).map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      read.fail("a map entry must be a [key, value] list");
    return pair as [unknown, unknown];
  });
}

function decodeStringMap(
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
): Map<string, unknown> {
  const record = decodeRecord(raw, node, depth, read, {} as Record<string, unknown>);
  const stored = Object.keys(record);
  const order = typeof node === "object" && node.k !== undefined ? node.k : stored.sort();
  if (new Set(order).size !== order.length) {
    read.fail(`the Map's key order in the type note names ${repeated(order)} twice`);
  }
  if (order.length !== stored.length || !order.every((key) => Object.hasOwn(record, key))) {
    read.fail("the Map's key order in the type note does not match its keys");
  }
  return new Map(order.map((key) => [key, record[key]]));
}

function decodeCustom(
  name: string,
  type: AvType,
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  read: Read,
): unknown {
  const custom = customByName(name);
  if (custom === undefined) {
    const path = formatPath(read.path);
    throw new DecodeError(
      "decode.unregistered",
      `The stored value at ${path} is of the custom type "${name}", which is not registered here: ` +
        `call registerCustom(…, "${name}") from "dynatom" before decoding.`,
      { details: { path, identifier: name } },
    );
  }
  const inner = typeof node === "object" ? checkNode(node.i, read) : undefined;
  const json =
    inner === undefined
      ? decodePlain(type, raw, undefined, depth, read)
      : decodeValue({ [type]: raw }, inner, depth, read);
  try {
    return custom.deserialize(json as JsonValue);
  } catch (cause) {
    return read.fail(
      `the custom type "${name}" could not rebuild it (${(cause as Error).message})`,
    );
  }
}
