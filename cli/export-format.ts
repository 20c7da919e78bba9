import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { plain } from "../src/encoding/dynamo-json.js";
import type { Item } from "../src/encoding/item.js";
import { ELECTRODB_ATTRIBUTES, KEY_ATTRIBUTE } from "../src/schema/bookkeeping.js";

/** The version of the export file format; import refuses any other. */
export const EXPORT_FORMAT = 1;

/** The first line of an export file: what it holds. */
export interface ExportHeader {
  readonly dynatom: "export";
  readonly format: typeof EXPORT_FORMAT;
  readonly atom: string;
}

/** A line that is not what the format says; `reason` completes `FILE:LINE: `. */
export class LineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "LineError";
  }
}

const ELECTRODB: ReadonlySet<string> = new Set(ELECTRODB_ATTRIBUTES);

/** Attributes an import derives again from the value: table keys, index keys, ElectroDB's. */
export const isDerived = (name: string): boolean => KEY_ATTRIBUTE.test(name) || ELECTRODB.has(name);

/**
 * The header line (with its newline) of an export of one atom type.
 *
 * @example headerLine("account") // '{"dynatom":"export","format":1,"atom":"account"}\n'
 */
export function headerLine(atom: string): string {
  const header: ExportHeader = { dynatom: "export", format: EXPORT_FORMAT, atom };
  return `${JSON.stringify(header)}\n`;
}

/**
 * Checks a header line against the atom type an import writes.
 * @throws LineError saying what is wrong
 *
 * @example checkHeader('{"dynatom":"export","format":1,"atom":"account"}', "account")
 */
export function checkHeader(text: string, atom: string): void {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw new LineError("not a dynatom export: the first line is not JSON");
  }
  const h = (typeof header === "object" && header !== null ? header : {}) as Record<
    string,
    unknown
  >;
  if (h.dynatom !== "export") {
    throw new LineError(
      `not a dynatom export: the first line should be {"dynatom":"export",…}, not ${text.slice(0, 80)}`,
    );
  }
  if (h.format !== EXPORT_FORMAT) {
    throw new LineError(
      `export format ${JSON.stringify(h.format)}; this dynatom reads format ${EXPORT_FORMAT} only`,
    );
  }
  if (h.atom !== atom) {
    throw new LineError(
      `the file holds atom ${JSON.stringify(h.atom)}, not "${atom}": import it as that atom type`,
    );
  }
}

/**
 * One stored item as an export line (with its newline): DynamoDB JSON without the attributes
 * derived from the value (table and index keys, ElectroDB's), bookkeeping kept, binary as
 * base64, attribute names sorted so that one item always gives the same line.
 *
 * @example itemLine({ pk: { S: "…" }, id: { S: "a1" }, _schema: { N: "1" } }) // '{"_schema":{"N":"1"},"id":{"S":"a1"}}\n'
 */
export function itemLine(item: Readonly<Item>): string {
  const kept: Record<string, AttributeValue> = {};
  for (const name of Object.keys(item)) {
    if (!isDerived(name)) setOwn(kept, name, item[name]);
  }
  return `${JSON.stringify(plain(kept))}\n`;
}

/**
 * The stored item an export line holds, as AttributeValues (binary as Uint8Array).
 * @throws LineError naming the attribute path that is not DynamoDB JSON
 *
 * @example parseItemLine('{"id":{"S":"a1"},"pic":{"B":"AQI="}}') // { id: { S: "a1" }, pic: { B: Uint8Array [1, 2] } }
 */
export function parseItemLine(text: string): Item {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LineError(`not JSON: ${(err as Error).message}`);
  }
  return itemFrom(json);
}

/**
 * The item that `plain` turned into JSON, back as AttributeValues.
 * @throws LineError naming the attribute path that is not DynamoDB JSON
 *
 * @example itemFrom({ pk: { S: "$app#id_a1" } }) // { pk: { S: "$app#id_a1" } }
 */
export function itemFrom(json: unknown): Item {
  if (!isObject(json)) throw new LineError("not an item: a line holds one JSON object");
  const item: Item = {};
  for (const name of Object.keys(json)) setOwn(item, name, attributeValue(json[name], name, 0));
  return item;
}

// DynamoDB nests at most 32 levels; anything deeper is not an item it could have stored.
const MAX_DEPTH = 40;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function attributeValue(json: unknown, path: string, depth: number): AttributeValue {
  if (depth > MAX_DEPTH) throw new LineError(`${path}: nested deeper than DynamoDB allows`);
  const keys = isObject(json) ? Object.keys(json) : [];
  const type = keys[0];
  if (!isObject(json) || keys.length !== 1 || type === undefined) {
    throw new LineError(`${path}: not an attribute value (an object with one type, e.g. {"S":…})`);
  }
  const body = json[type];
  const bad = (what: string) => new LineError(`${path}: ${type} holds ${what}`);
  switch (type) {
    case "S":
      if (typeof body !== "string") throw bad("a non-string");
      return { S: body };
    case "N":
      if (typeof body !== "string") throw bad("a non-string");
      return { N: body };
    case "BOOL":
      if (typeof body !== "boolean") throw bad("a non-boolean");
      return { BOOL: body };
    case "NULL":
      if (body !== true) throw bad("something other than true");
      return { NULL: true };
    case "B":
      return { B: bytes(body, path) };
    case "SS":
    case "NS": {
      if (!Array.isArray(body) || body.some((s) => typeof s !== "string")) {
        throw bad("something other than a list of strings");
      }
      return type === "SS" ? { SS: body as string[] } : { NS: body as string[] };
    }
    case "BS":
      if (!Array.isArray(body)) throw bad("a non-list");
      return { BS: body.map((b, i) => bytes(b, `${path}[${i}]`)) };
    case "L":
      if (!Array.isArray(body)) throw bad("a non-list");
      return { L: body.map((v, i) => attributeValue(v, `${path}[${i}]`, depth + 1)) };
    case "M": {
      if (!isObject(body)) throw bad("a non-object");
      const map: Record<string, AttributeValue> = {};
      for (const name of Object.keys(body)) {
        setOwn(map, name, attributeValue(body[name], `${path}.${name}`, depth + 1));
      }
      return { M: map };
    }
    default:
      throw new LineError(`${path}: unknown attribute type ${JSON.stringify(type)}`);
  }
}

function bytes(body: unknown, path: string): Uint8Array {
  if (typeof body !== "string" || !BASE64.test(body)) {
    throw new LineError(`${path}: binary that is not base64`);
  }
  // A copy of its own: Buffer.from may hand out a slice of a shared pool.
  return new Uint8Array(Buffer.from(body, "base64"));
}

function isObject(json: unknown): json is Record<string, unknown> {
  return typeof json === "object" && json !== null && !Array.isArray(json);
}

/** Sets an own property even for `__proto__`, which plain assignment would make the prototype. */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
