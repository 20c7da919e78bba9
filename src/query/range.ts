import { compareUtf8 } from "../encoding/index.js";
import { DynatomError, isDynatomError } from "../errors/index.js";
import type { FieldKind } from "../schema/introspect.js";
import { sortKey } from "../schema/keys.js";
import type { AtomDefinition, IndexShape } from "../schema/types.js";

/** A sort-key condition as the user gave it: an operator and the fields it compares. */
export type Condition =
  | { readonly op: "all" }
  | {
      readonly op: "eq" | "gt" | "gte" | "lt" | "lte" | "beginsWith";
      readonly fields: Readonly<Record<string, unknown>>;
    }
  | {
      readonly op: "between";
      readonly fields: Readonly<Record<string, unknown>>;
      readonly to: Readonly<Record<string, unknown>>;
    };

/**
 * The sort keys a condition selects, in DynamoDB's key order. A range's ends may be open; the
 * index's own range (every key of this atom type, and no other) bounds what the user left open.
 */
export type SortRange =
  | { readonly kind: "eq"; readonly key: string }
  | { readonly kind: "prefix"; readonly prefix: string }
  | {
      readonly kind: "range";
      readonly lo: string;
      readonly loOpen: boolean;
      readonly hi: string;
      readonly hiOpen: boolean;
    }
  | { readonly kind: "empty" };

const KIND_CHECK: Record<FieldKind, (value: unknown) => boolean> = {
  string: (value) => typeof value === "string",
  number: (value) => typeof value === "number",
  bigint: (value) => typeof value === "bigint",
  date: (value) => value instanceof Date,
  boolean: (value) => typeof value === "boolean",
};

/** A `query.invalid-condition` error naming the atom type and index. */
export function invalidCondition(atom: string, index: string, reason: string) {
  return new DynatomError("query.invalid-condition", `Query on ${atom}.${index}: ${reason}.`, {
    details: { atom, index, reason },
  });
}

/** Fails unless each field's value has its field's kind: a string where a Date belongs would misorder. */
export function checkKinds(
  definition: AtomDefinition,
  index: IndexShape,
  fields: Readonly<Record<string, unknown>>,
) {
  for (const [name, value] of Object.entries(fields)) {
    const kind = definition.fieldKinds.get(name);
    if (kind !== undefined && !KIND_CHECK[kind](value)) {
      const given = value instanceof Date ? "a Date" : `a ${typeof value}`;
      throw invalidCondition(
        definition.name,
        index.name,
        `the field "${name}" holds a ${kind === "date" ? "Date" : kind}, not ${given}`,
      );
    }
  }
}

/** The sort key of the first `fields.length` sort fields, after checking they fit the index. */
function prefixKey(
  definition: AtomDefinition,
  index: IndexShape,
  fields: Readonly<Record<string, unknown>>,
): { key: string; full: boolean } {
  if (typeof fields !== "object" || fields === null) {
    throw invalidCondition(
      definition.name,
      index.name,
      `a condition takes an object of sort fields, not ${fields === null ? "null" : typeof fields}`,
    );
  }
  const names = Object.keys(fields);
  const expected = index.sk.slice(0, names.length);
  if (names.length === 0 || names.some((name, i) => name !== expected[i])) {
    const order = index.sk.length === 0 ? "none: the index has no sort key" : index.sk.join(", ");
    throw invalidCondition(
      definition.name,
      index.name,
      `a condition takes the index's sort fields from the first one, in order (${order}); got ${names.join(", ") || "none"}`,
    );
  }
  checkKinds(definition, index, fields);
  try {
    return {
      key: sortKey(definition.name, names, fields, index.sk.length > 1),
      full: names.length === index.sk.length,
    };
  } catch (err) {
    if (!isDynatomError(err, "encoding.unindexable")) throw err;
    const { value, reason } = err.details;
    throw invalidCondition(definition.name, index.name, `${value} cannot be compared: ${reason}`);
  }
}

/**
 * Where the index's sort keys of this atom type begin, and a bound just past where they end:
 * `$account_1#createdAt_` … `$account_1#createdAt\``. Other atom types sharing the GSI sort
 * elsewhere, so no condition ever returns their items.
 */
function bounds(atom: string, index: IndexShape) {
  const start = `${sortKey(atom, [], {})}#${index.sk[0]}_`;
  return { start, end: `${start.slice(0, -1)}\`` };
}

/**
 * The exact range of sort keys a condition selects. Index forms keep each type's order in
 * UTF-8 bytes, so comparing keys compares values. With several sort fields, a condition on the
 * first k of them compares key prefixes: "#" separates fields and sorts below every character
 * of a value (see `compositeForm`), so the keys of items whose first k fields equal the
 * condition's are exactly those that continue the prefix with "#", and those of greater values
 * continue it with "$" or above.
 */
export function sortRange(
  definition: AtomDefinition,
  index: IndexShape,
  condition: Condition,
): SortRange {
  const atom = definition.name;
  if (index.sk.length === 0) {
    if (condition.op !== "all")
      throw invalidCondition(
        atom,
        index.name,
        "the index has no sort key, so it takes no sort condition",
      );
    return { kind: "eq", key: sortKey(atom, [], {}) };
  }
  const { start, end } = bounds(atom, index);
  const range = (lo: string, loOpen: boolean, hi: string, hiOpen: boolean): SortRange => ({
    kind: "range",
    lo,
    loOpen,
    hi,
    hiOpen,
  });
  if (condition.op === "all") return { kind: "prefix", prefix: start };
  const { key, full } = prefixKey(definition, index, condition.fields);
  switch (condition.op) {
    case "eq":
      return full ? { kind: "eq", key } : { kind: "prefix", prefix: `${key}#` };
    case "beginsWith": {
      const last = Object.keys(condition.fields).at(-1) ?? "";
      if (typeof condition.fields[last] !== "string")
        throw invalidCondition(atom, index.name, `beginsWith needs a string for "${last}"`);
      return { kind: "prefix", prefix: key };
    }
    case "gt":
      return full ? range(key, true, end, false) : range(`${key}$`, false, end, false);
    case "gte":
      return range(key, false, end, false);
    case "lt":
      return range(start, false, key, true);
    case "lte":
      return full ? range(start, false, key, false) : range(start, false, `${key}$`, true);
    case "between": {
      const upper = prefixKey(definition, index, condition.to);
      if (Object.keys(condition.to).join() !== Object.keys(condition.fields).join())
        throw invalidCondition(atom, index.name, "between takes the same fields on both ends");
      const hi = upper.full ? upper.key : `${upper.key}$`;
      return range(key, false, hi, !upper.full);
    }
  }
}

/** Whether a sort key lies in a range: where a cursor may resume. */
export function inRange(range: SortRange, sortKey: string): boolean {
  switch (range.kind) {
    case "empty":
      return false;
    case "eq":
      return sortKey === range.key;
    case "prefix":
      return sortKey.startsWith(range.prefix);
    case "range": {
      const lo = compareUtf8(sortKey, range.lo);
      const hi = compareUtf8(sortKey, range.hi);
      return (range.loOpen ? lo > 0 : lo >= 0) && (range.hiOpen ? hi < 0 : hi <= 0);
    }
  }
}
