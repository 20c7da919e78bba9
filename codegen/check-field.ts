import {
  type Bound,
  FIELD_TYPES,
  type FieldModel,
  type FieldType,
  FORMATS,
  type Format,
} from "./model.js";
import type { Pos, TreeEntry, TreeNode } from "./read.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const COMMON = ["type", "optional", "nullable", "description"];
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

export const describe = (node: TreeNode): string =>
  node.kind === "map"
    ? "a mapping"
    : node.kind === "list"
      ? "a list"
      : node.value === null
        ? "empty"
        : JSON.stringify(node.value);

export function entryMap(entries: readonly TreeEntry[]): Map<string, TreeEntry> {
  return new Map(entries.map((entry) => [entry.key, entry]));
}

export function checkField(
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
