import { reservedReason } from "../src/schema/bookkeeping.js";
import type { CodegenError } from "./errors.js";
import {
  type AtomModel,
  type Bound,
  FIELD_TYPES,
  type FieldModel,
  type FieldType,
  FORMATS,
  type Format,
  type IndexModel,
} from "./model.js";
import type { Pos, SourceTree, TreeEntry, TreeNode } from "./read.js";

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const GSI = /^gsi[1-9]\d*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const TOP_LEVEL = ["$schema", "name", "version", "key", "indexes", "fields", "migrate"];
const COMMON = ["type", "optional", "nullable", "description"];
const KEY_TYPES: ReadonlySet<FieldType> = new Set([
  "string",
  "number",
  "integer",
  "bigint",
  "boolean",
  "date",
  "enum",
  "literal",
]);

/** The properties each type takes besides `type`, `optional`, `nullable` and `description`. */
export const TYPE_PROPERTIES: Readonly<Record<FieldType, readonly string[]>> = {
  string: ["minLength", "maxLength", "pattern", "format"],
  number: ["min", "max"],
  integer: ["min", "max"],
  bigint: ["min", "max"],
  boolean: [],
  date: ["min", "max"],
  bytes: ["minLength", "maxLength"],
  unknown: [],
  enum: ["values"],
  literal: ["value"],
  list: ["of", "minLength", "maxLength"],
  set: ["of"],
  map: ["key", "of"],
  object: ["fields"],
  record: ["of"],
};

/** Which types each constraint fits, for the message when it does not. */
const FITS: Readonly<Record<string, string>> = {
  min: "number, integer, bigint and date",
  max: "number, integer, bigint and date",
  minLength: "string, list and bytes",
  maxLength: "string, list and bytes",
  pattern: "string",
  format: "string",
  values: "enum",
  value: "literal",
  of: "list, set, map and record",
  key: "map",
  fields: "object",
};

export type CheckResult =
  | { readonly ok: true; readonly atom: AtomModel }
  | { readonly ok: false; readonly errors: readonly CodegenError[] };

const describe = (node: TreeNode): string =>
  node.kind === "map"
    ? "a mapping"
    : node.kind === "list"
      ? "a list"
      : node.value === null
        ? "empty"
        : JSON.stringify(node.value);

/**
 * Checks one parsed schema file against the format (API §7) and returns its model, or every
 * problem found, each naming the file, line and column.
 *
 * @example
 * const read = readAtomFile(file, text);
 * const checked = read.ok ? checkAtomFile(read.tree) : read;
 */
export function checkAtomFile(tree: SourceTree): CheckResult {
  const errors: CodegenError[] = [];
  const error = (pos: Pos, message: string): undefined => {
    errors.push({ file: tree.file, line: pos.line, col: pos.col, message });
    return undefined;
  };
  const root = tree.root;
  if (root.kind !== "map") {
    error(
      root.pos,
      `the file must be a mapping with name, version, key and fields, not ${describe(root)}`,
    );
    return { ok: false, errors };
  }
  const top = entryMap(root.entries);
  for (const entry of root.entries) {
    if (!TOP_LEVEL.includes(entry.key)) {
      error(
        entry.keyPos,
        `unknown property "${entry.key}" (allowed: ${TOP_LEVEL.slice(1).join(", ")})`,
      );
    }
  }

  const nameNode = top.get("name")?.value;
  let name: string | undefined;
  if (nameNode === undefined) error(root.pos, "missing name");
  else if (nameNode.kind !== "scalar" || typeof nameNode.value !== "string")
    error(nameNode.pos, `name must be a string, not ${describe(nameNode)}`);
  else if (!NAME.test(nameNode.value))
    error(
      nameNode.pos,
      `the name "${nameNode.value}" must start with a letter and hold only letters, digits, _ and - (at most 64)`,
    );
  else name = nameNode.value;

  const versionNode = top.get("version")?.value;
  let version: number | undefined;
  if (versionNode === undefined) error(root.pos, "missing version");
  else if (
    versionNode.kind !== "scalar" ||
    typeof versionNode.value !== "number" ||
    !Number.isInteger(versionNode.value) ||
    versionNode.value < 1
  )
    error(versionNode.pos, `version must be a whole number from 1, not ${describe(versionNode)}`);
  else version = versionNode.value;

  const fieldsNode = top.get("fields")?.value;
  let fields: (readonly [string, FieldModel])[] | undefined;
  if (fieldsNode === undefined) error(root.pos, "missing fields");
  else if (fieldsNode.kind !== "map" || fieldsNode.entries.length === 0)
    error(fieldsNode.pos, "fields must be a mapping of field names to types, with at least one");
  else {
    fields = [];
    for (const entry of fieldsNode.entries) {
      const reason = reservedReason(entry.key);
      if (reason !== undefined)
        error(entry.keyPos, `the field "${entry.key}" cannot be used: ${reason}`);
      const field = checkField(entry.value, `field "${entry.key}"`, error);
      if (field !== undefined) fields.push([entry.key, field]);
    }
  }
  const byName = new Map(fields ?? []);
  const fieldPos = new Map(
    fieldsNode?.kind === "map" ? fieldsNode.entries.map((entry) => [entry.key, entry.keyPos]) : [],
  );

  const keyFields = (node: TreeNode | undefined, where: string): string[] | undefined => {
    if (node === undefined) return [];
    if (node.kind !== "list") return error(node.pos, `${where} must be a list of field names`);
    const names: string[] = [];
    for (const item of node.items) {
      if (item.kind !== "scalar" || typeof item.value !== "string") {
        error(item.pos, `${where} must list field names, not ${describe(item)}`);
        continue;
      }
      const field = byName.get(item.value);
      if (fields !== undefined && field === undefined && !fieldPos.has(item.value)) {
        error(
          item.pos,
          `${where}: "${item.value}" is not a field (fields: ${[...fieldPos.keys()].join(", ")})`,
        );
      } else if (field !== undefined && (field.optional || field.nullable)) {
        error(
          item.pos,
          `${where}: "${item.value}" is optional or nullable; key and index fields must always be present`,
        );
      } else if (field !== undefined && !KEY_TYPES.has(field.type)) {
        error(
          item.pos,
          `${where}: "${item.value}" is a ${field.type}, which cannot be a key (allowed: ${[...KEY_TYPES].join(", ")})`,
        );
      }
      if (names.includes(item.value)) error(item.pos, `${where} names "${item.value}" twice`);
      names.push(item.value);
    }
    return names;
  };

  const keyNode = top.get("key")?.value;
  let key: AtomModel["key"] | undefined;
  if (keyNode === undefined) error(root.pos, "missing key");
  else if (keyNode.kind === "list") {
    const pk = keyFields(keyNode, "key");
    if (pk !== undefined && pk.length === 0) error(keyNode.pos, "the key needs at least one field");
    else if (pk !== undefined) key = { form: "list", pk };
  } else if (keyNode.kind === "map") {
    const parts = entryMap(keyNode.entries);
    for (const entry of keyNode.entries)
      if (entry.key !== "pk" && entry.key !== "sk")
        error(entry.keyPos, `unknown key property "${entry.key}" (allowed: pk, sk)`);
    const pk = keyFields(parts.get("pk")?.value, "key.pk");
    const sk = keyFields(parts.get("sk")?.value, "key.sk");
    if (pk !== undefined && pk.length === 0)
      error(keyNode.pos, "the key needs at least one pk field");
    else if (pk !== undefined && sk !== undefined) key = { form: "object", pk, sk };
  } else error(keyNode.pos, "key must be a list of fields or { pk: [...], sk: [...] }");

  const indexes: IndexModel[] = [];
  const indexesNode = top.get("indexes")?.value;
  if (indexesNode !== undefined && indexesNode.kind !== "map")
    error(indexesNode.pos, "indexes must be a mapping of index names to { pk, sk? }");
  else if (indexesNode !== undefined && indexesNode.kind === "map") {
    const pinned = new Map<string, string>();
    for (const entry of indexesNode.entries) {
      const where = `index "${entry.key}"`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(entry.key))
        error(entry.keyPos, `the index name "${entry.key}" must be a plain identifier`);
      if (entry.value.kind !== "map") {
        error(entry.value.pos, `${where} must be { pk: [...], sk?: [...] }`);
        continue;
      }
      const parts = entryMap(entry.value.entries);
      for (const part of entry.value.entries)
        if (!["pk", "sk", "index"].includes(part.key))
          error(part.keyPos, `unknown ${where} property "${part.key}" (allowed: pk, sk, index)`);
      const pk = keyFields(parts.get("pk")?.value, `${where}.pk`);
      const sk = keyFields(parts.get("sk")?.value, `${where}.sk`);
      if (pk !== undefined && pk.length === 0) error(entry.value.pos, `${where} needs a pk field`);
      const pin = parts.get("index")?.value;
      let index: string | undefined;
      if (pin !== undefined) {
        if (pin.kind !== "scalar" || typeof pin.value !== "string" || !GSI.test(pin.value))
          error(pin.pos, `${where}: index must be gsi1, gsi2, …, not ${describe(pin)}`);
        else if (pinned.has(pin.value))
          error(pin.pos, `${where}: ${pin.value} is already used by "${pinned.get(pin.value)}"`);
        else {
          pinned.set(pin.value, entry.key);
          index = pin.value;
        }
      }
      if (pk !== undefined && sk !== undefined)
        indexes.push(
          index === undefined ? { name: entry.key, pk, sk } : { name: entry.key, pk, sk, index },
        );
    }
  }

  const migrateNode = top.get("migrate")?.value;
  let migrate: string | undefined;
  if (migrateNode !== undefined) {
    if (
      migrateNode.kind !== "scalar" ||
      typeof migrateNode.value !== "string" ||
      !/^\.\.?\/.*\.(ts|mts|js|mjs)$/.test(migrateNode.value)
    )
      error(
        migrateNode.pos,
        `migrate must be a relative path to a .ts or .js module (e.g. ./account.migrate.ts), not ${describe(migrateNode)}`,
      );
    else if (version === 1) error(migrateNode.pos, "migrate needs a version above 1");
    else migrate = migrateNode.value;
  }

  if (
    errors.length > 0 ||
    name === undefined ||
    version === undefined ||
    key === undefined ||
    fields === undefined
  )
    return { ok: false, errors };
  const atom: AtomModel = { file: tree.file, name, version, key, indexes, fields };
  return { ok: true, atom: migrate === undefined ? atom : { ...atom, migrate } };
}

function entryMap(entries: readonly TreeEntry[]): Map<string, TreeEntry> {
  return new Map(entries.map((entry) => [entry.key, entry]));
}

function checkField(
  node: TreeNode,
  where: string,
  error: (pos: Pos, message: string) => undefined,
): FieldModel | undefined {
  if (node.kind === "scalar" && typeof node.value === "string") {
    if (!isType(node.value)) return unknownType(node, node.value, where, error);
    if (
      TYPE_PROPERTIES[node.value].some((p) =>
        ["values", "value", "of", "fields", "key"].includes(p),
      )
    )
      return error(
        node.pos,
        `${where}: a ${node.value} needs { type: ${node.value}, ${needs(node.value)} }`,
      );
    return { type: node.value, optional: false, nullable: false };
  }
  if (node.kind !== "map")
    return error(node.pos, `${where} must be a type name or { type: ... }, not ${describe(node)}`);
  const props = entryMap(node.entries);
  const typeNode = props.get("type")?.value;
  if (typeNode === undefined) return error(node.pos, `${where} has no type`);
  if (typeNode.kind !== "scalar" || typeof typeNode.value !== "string")
    return error(typeNode.pos, `${where}: type must be a type name, not ${describe(typeNode)}`);
  const type = typeNode.value;
  if (!isType(type)) return unknownType(typeNode, type, where, error);
  const allowed = TYPE_PROPERTIES[type];
  const field: { -readonly [K in keyof FieldModel]: FieldModel[K] } = {
    type,
    optional: false,
    nullable: false,
  };
  let ok = true;
  const bad = (pos: Pos, message: string): void => {
    ok = false;
    error(pos, `${where}: ${message}`);
  };
  for (const entry of node.entries) {
    const value = entry.value;
    const prop = entry.key;
    if (prop === "type") continue;
    if (!COMMON.includes(prop) && !allowed.includes(prop)) {
      const fits = FITS[prop];
      bad(
        entry.keyPos,
        fits === undefined
          ? `unknown property "${prop}" (a ${type} takes: ${[...COMMON, ...allowed].join(", ")})`
          : `${prop} does not fit a ${type} (${prop} is for ${fits})`,
      );
      continue;
    }
    const scalar = value.kind === "scalar" ? value.value : undefined;
    switch (prop) {
      case "optional":
      case "nullable":
        if (typeof scalar !== "boolean") bad(value.pos, `${prop} must be true or false`);
        else field[prop] = scalar;
        break;
      case "description":
      case "pattern":
        if (typeof scalar !== "string") bad(value.pos, `${prop} must be a string`);
        else if (prop === "pattern" && !validRegExp(scalar))
          bad(value.pos, `pattern is not a valid regular expression: ${scalar}`);
        else field[prop] = scalar;
        break;
      case "format":
        if (typeof scalar !== "string" || !(FORMATS as readonly string[]).includes(scalar))
          bad(value.pos, `format must be one of ${FORMATS.join(", ")}, not ${describe(value)}`);
        else field.format = scalar as Format;
        break;
      case "minLength":
      case "maxLength":
        if (typeof scalar !== "number" || !Number.isSafeInteger(scalar) || scalar < 0)
          bad(value.pos, `${prop} must be a whole number from 0, not ${describe(value)}`);
        else field[prop] = scalar;
        break;
      case "min":
      case "max": {
        const bound = checkBound(type, value);
        if (typeof bound === "string") bad(value.pos, `${prop} ${bound}`);
        else field[prop] = bound;
        break;
      }
      case "values": {
        const values =
          value.kind === "list"
            ? value.items.map((item) => (item.kind === "scalar" ? item.value : undefined))
            : [];
        if (
          values.length === 0 ||
          !values.every((v): v is string => typeof v === "string") ||
          new Set(values).size !== values.length
        )
          bad(value.pos, "values must be a list of distinct strings, at least one");
        else field.values = values;
        break;
      }
      case "value":
        if (typeof scalar !== "string" && typeof scalar !== "number" && typeof scalar !== "boolean")
          bad(value.pos, `value must be a string, number or boolean, not ${describe(value)}`);
        else field.value = scalar;
        break;
      case "of":
      case "key": {
        const inner = checkField(value, `${where}.${prop}`, error);
        if (inner === undefined) ok = false;
        else field[prop] = inner;
        break;
      }
      case "fields": {
        if (value.kind !== "map" || value.entries.length === 0) {
          bad(value.pos, "fields must be a mapping of field names to types, with at least one");
          break;
        }
        const inner: (readonly [string, FieldModel])[] = [];
        for (const child of value.entries) {
          const model = checkField(child.value, `${where}.${child.key}`, error);
          if (model === undefined) ok = false;
          else inner.push([child.key, model]);
        }
        field.fields = inner;
        break;
      }
    }
  }
  for (const need of TYPE_PROPERTIES[type].filter((p) =>
    ["values", "value", "of", "fields", "key"].includes(p),
  ))
    if (!props.has(need)) bad(node.pos, `a ${type} needs ${need}`);
  if (field.min !== undefined && field.max !== undefined && compare(field.min, field.max) > 0)
    bad(node.pos, "min is above max");
  if (
    field.minLength !== undefined &&
    field.maxLength !== undefined &&
    field.minLength > field.maxLength
  )
    bad(node.pos, "minLength is above maxLength");
  if (field.key !== undefined && (field.key.optional || field.key.nullable))
    bad(node.pos, "a map key cannot be optional or nullable");
  return ok ? (field as FieldModel) : undefined;
}

function needs(type: FieldType): string {
  return TYPE_PROPERTIES[type]
    .filter((p) => ["values", "value", "of", "fields", "key"].includes(p))
    .map((p) => `${p}: ...`)
    .join(", ");
}

function isType(name: string): name is FieldType {
  return (FIELD_TYPES as readonly string[]).includes(name);
}

function unknownType(
  node: TreeNode,
  name: string,
  where: string,
  error: (pos: Pos, message: string) => undefined,
): undefined {
  return error(node.pos, `${where}: unknown type "${name}" (types: ${FIELD_TYPES.join(", ")})`);
}

function validRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function checkBound(type: FieldType, node: TreeNode): Bound | string {
  if (node.kind !== "scalar") return `must be a value, not ${describe(node)}`;
  const value = node.value;
  if (type === "number" || type === "integer") {
    if (typeof value !== "number" || !Number.isFinite(value)) return "must be a finite number";
    if (type === "integer" && !Number.isInteger(value)) return "must be a whole number";
    return { kind: "number", value };
  }
  if (type === "bigint") {
    const digits = typeof value === "string" ? value : typeof value === "number" ? node.raw : "";
    if (!/^-?\d+$/.test(digits)) return "must be a whole number (digits, or a string of digits)";
    return { kind: "bigint", digits: BigInt(digits).toString() };
  }
  if (typeof value !== "string" || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))
    return "must be an ISO date, e.g. 2024-01-01 or 2024-01-01T00:00:00Z";
  return { kind: "date", iso: new Date(value).toISOString() };
}

function compare(a: Bound, b: Bound): number {
  if (a.kind === "number" && b.kind === "number") return a.value - b.value;
  if (a.kind === "bigint" && b.kind === "bigint") {
    const d = BigInt(a.digits) - BigInt(b.digits);
    return d > 0n ? 1 : d < 0n ? -1 : 0;
  }
  if (a.kind === "date" && b.kind === "date") return Date.parse(a.iso) - Date.parse(b.iso);
  return 0;
}
