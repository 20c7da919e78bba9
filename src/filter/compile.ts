import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { bigintToN, numberToN } from "../encoding/limits.js";
import { SCHEMA_VERSION_ATTRIBUTE, TTL_ATTRIBUTE } from "../schema/bookkeeping.js";
import { type FieldKind, fieldShape, objectEntries } from "../schema/introspect.js";
import type { AtomDefinition } from "../schema/types.js";
import { order, storedString } from "./evaluate.js";
import { type Cond, childSchema, invalidFilter, type Path, unwrap } from "./where.js";

/** A DynamoDB expression with its placeholders, ready to merge into a request. */
export interface Compiled {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** `true`: every item may match (no expression); `false`: none can; else the expression. */
type Part = string | boolean;

interface Native {
  readonly av: AttributeValue;
  /** The DynamoDB type the value is stored as: what `attribute_type` tests. */
  readonly type: "S" | "N" | "BOOL" | "NULL";
  readonly kind: FieldKind | "null";
}

/**
 * The stored form of an operand where it is a plain DynamoDB scalar, the form a field holding
 * an equal value has: strings (in their stored form), numbers and bigints DynamoDB holds
 * exactly, booleans, null, and Dates of years 0 to 9999 (whose ISO strings order as they do).
 */
function nativeOf(value: unknown): Native | undefined {
  switch (typeof value) {
    case "string":
      return { av: { S: storedString(value) }, type: "S", kind: "string" };
    case "number": {
      const n = numberToN(value);
      return n === undefined ? undefined : { av: { N: n }, type: "N", kind: "number" };
    }
    case "bigint": {
      const n = bigintToN(value);
      return n === undefined ? undefined : { av: { N: n }, type: "N", kind: "bigint" };
    }
    case "boolean":
      return { av: { BOOL: value }, type: "BOOL", kind: "boolean" };
    default:
      if (value === null) return { av: { NULL: true }, type: "NULL", kind: "null" };
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        const iso = value.toISOString();
        if (/^\d{4}-/.test(iso)) return { av: { S: iso }, type: "S", kind: "date" };
      }
      return undefined;
  }
}

/** DynamoDB refuses an expression over 4 KB. */
const MAX_EXPRESSION_BYTES = 4096;

const COMPARATORS = { eq: "=", ne: "<>", lt: "<", lte: "<=", gt: ">", gte: ">=" } as const;

/** Whether a schema (or a wrapper around it) gives a default for an absent value. */
function hasDefault(schema: unknown): boolean {
  let node = schema as { default?: unknown; wrapped?: unknown } | undefined;
  while (node !== undefined && node !== null && typeof node === "object") {
    if (node.default !== undefined) return true;
    node = node.wrapped as typeof node;
  }
  return false;
}

/** Joins parts with AND or OR, folding the constants. */
function join(parts: readonly Part[], op: "AND" | "OR"): Part {
  const unit = op === "AND";
  const kept: string[] = [];
  for (const part of parts) {
    if (part === !unit) return !unit;
    if (part !== unit) kept.push(part as string);
  }
  if (kept.length === 0) return unit;
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(` ${op} `)})`;
}

function negate(part: Part): Part {
  return typeof part === "boolean" ? !part : `(NOT ${part})`;
}

/**
 * Compiles a condition for DynamoDB to run as a FilterExpression. What DynamoDB compares is the
 * stored form, which is not always the value's order (a number DynamoDB cannot hold is stored
 * as a string, a Date of year 10000 sorts before one of 2020): so the expression is a SUPERSET of
 * the matches (it never drops an item that matches, and drops what surely does not), and every
 * item it keeps is tested again on its decoded value (`evaluate`). Under a `not`, the part
 * inside must be a SUBSET instead (it holds only where the condition surely does), so the
 * compiler tracks which one it builds.
 *
 * @example compileFilter(Account, { op: "cmp", cmp: "gte", path: ["score"], value: 0 })
 * // { expression: "(#c0 >= :c0 OR (NOT attribute_type(#c0, :c1)))", names: { "#c0": "score" }, values: … }
 */
export function compileFilter(
  definition: AtomDefinition,
  cond: Cond,
  /** `subset` for a write's condition: it must hold only where the condition surely does. */
  mode: "superset" | "subset" = "superset",
): Compiled | boolean {
  const names: Record<string, string> = {};
  const nameOf = new Map<string, string>();
  const values: Record<string, AttributeValue> = {};
  let counter = 0;
  const value = (av: AttributeValue): string => {
    const placeholder = `:c${counter++}`;
    values[placeholder] = av;
    return placeholder;
  };
  const typeOf = (type: string) => value({ S: type });
  const pathOf = (path: Path): string =>
    path
      .map((step) => {
        if (typeof step === "number") return `[${step}]`;
        let placeholder = nameOf.get(step);
        if (placeholder === undefined) {
          placeholder = `#c${nameOf.size}`;
          nameOf.set(step, placeholder);
          names[placeholder] = step;
        }
        return `.${placeholder}`;
      })
      .join("")
      .slice(1);
  const schemaAt = (path: Path): unknown => {
    let schema: unknown = definition.schema;
    for (const step of path) schema = childSchema(schema, step);
    return schema;
  };
  /**
   * Whether DynamoDB holds the value at `path` as the value does: through objects of named
   * fields (each a name DynamoDB takes) and list indexes, and with no default on the way (a
   * field that is absent reads as its default).
   */
  const exact = (path: Path): boolean => {
    let schema: unknown = definition.schema;
    for (const [i, step] of path.entries()) {
      const parent = unwrap(schema);
      if (i > 0) {
        const listed =
          (parent?.type === "array" || parent?.type === "tuple") && typeof step === "number";
        const named =
          typeof step === "string" &&
          step !== "" &&
          step.isWellFormed() &&
          objectEntries(parent) !== undefined &&
          Object.hasOwn(objectEntries(parent) ?? {}, step);
        if (!listed && !named) return false;
      }
      schema = childSchema(schema, step);
      if (schema === undefined || hasDefault(schema)) return false;
    }
    return true;
  };
  const kindAt = (path: Path): FieldKind | undefined => {
    const schema = schemaAt(path);
    return schema === undefined ? undefined : fieldShape(schema).kind;
  };

  /** An expression that holds wherever `cond` holds (superset) or only where it does (subset). */
  const build = (c: Cond, superset: boolean): Part => {
    switch (c.op) {
      case "and":
        return join(
          c.parts.map((part) => build(part, superset)),
          "AND",
        );
      case "or":
        return join(
          c.parts.map((part) => build(part, superset)),
          "OR",
        );
      case "not":
        return negate(build(c.part, !superset));
      default:
        // A path DynamoDB does not hold as the value does (see `exact`) is tested on the value
        // alone: as a superset every item passes on; as a subset nothing is sure.
        return exact(c.path) ? leaf(c, superset) : superset;
    }
  };

  /** A condition on one path that DynamoDB holds as the value does. */
  const leaf = (c: Exclude<Cond, { op: "and" | "or" | "not" }>, superset: boolean): Part => {
    switch (c.op) {
      case "exists": {
        const p = pathOf(c.path);
        // `undefined` is stored as NULL (with a type note), so an attribute proves less.
        return superset
          ? `attribute_exists(${p})`
          : `(attribute_exists(${p}) AND NOT attribute_type(${p}, ${typeOf("NULL")}))`;
      }
      case "notExists": {
        const p = pathOf(c.path);
        return superset
          ? `(attribute_not_exists(${p}) OR attribute_type(${p}, ${typeOf("NULL")}))`
          : `attribute_not_exists(${p})`;
      }
      case "beginsWith": {
        const p = pathOf(c.path);
        if (!superset && kindAt(c.path) !== "string") return false;
        const test = `begins_with(${p}, ${value({ S: storedString(c.value) })})`;
        return superset ? `(${test} OR NOT attribute_type(${p}, ${typeOf("S")}))` : test;
      }
      case "contains": {
        if (!superset) {
          // Exact where DynamoDB holds the field as the value holds it: a string (in its stored
          // form, as the test on the value compares), or a Set of strings (an SS, exactly).
          if (typeof c.value !== "string") return false;
          const node = unwrap(schemaAt(c.path));
          const p = pathOf(c.path);
          if (node?.type === "string")
            return `(contains(${p}, ${value({ S: storedString(c.value) })}) AND attribute_type(${p}, ${typeOf("S")}))`;
          const member = unwrap(node?.value);
          if (
            node?.type === "set" &&
            member?.type === "string" &&
            c.value !== "" &&
            c.value.isWellFormed()
          )
            return `(contains(${p}, ${value({ S: c.value })}) AND attribute_type(${p}, ${typeOf("SS")}))`;
          return false;
        }
        const part = nativeOf(c.value);
        // A string or a Date is stored as one S wherever it is (in a list, a Set, a string).
        if (part === undefined || (part.kind !== "string" && part.kind !== "date")) return true;
        return `contains(${pathOf(c.path)}, ${value(part.av)})`;
      }
      case "between": {
        const lo = nativeOf(c.lo);
        const hi = nativeOf(c.hi);
        // Ends the wrong way round hold for nothing (and DynamoDB refuses them).
        if ((order(c.lo, c.hi) ?? 0) > 0) return false;
        if (lo === undefined || hi === undefined || lo.kind !== hi.kind) return superset;
        const p = pathOf(c.path);
        const test = `${p} BETWEEN ${value(lo.av)} AND ${value(hi.av)}`;
        return typed(p, test, lo, superset, kindAt(c.path));
      }
      case "cmp": {
        const native = nativeOf(c.value);
        if (native === undefined) return superset;
        const p = pathOf(c.path);
        if (native.kind === "null") {
          if (c.cmp === "eq") return superset ? `attribute_type(${p}, ${typeOf("NULL")})` : false;
          if (c.cmp === "ne")
            return superset
              ? true
              : `(attribute_exists(${p}) AND NOT attribute_type(${p}, ${typeOf("NULL")}))`;
          return superset;
        }
        // A stored escape (a string with a lone surrogate) is text beginning with a quote: it
        // may equal such an operand, which the string it stands for does not.
        if (
          !superset &&
          native.kind === "string" &&
          storedString(c.value as string).startsWith('"')
        )
          return false;
        const test = `${p} ${COMPARATORS[c.cmp]} ${value(native.av)}`;
        // A field equal to a plain value is stored exactly as that value is; -0 is stored as
        // the text "-0", and equals 0.
        if (c.cmp === "eq" && superset)
          return c.value === 0 ? `(${test} OR ${p} = ${value({ S: "-0" })})` : test;
        if (c.cmp === "ne" && superset)
          return `(${test} OR attribute_not_exists(${p}) OR NOT attribute_type(${p}, ${typeOf(native.type)}))`;
        return typed(p, test, native, superset, kindAt(c.path));
      }
    }
  };

  /**
   * An ordering test on a stored field: as a superset, items stored in another form pass on to
   * the exact test (and Dates of five-digit years, which sort out of order); as a subset, only a
   * field of the operand's kind counts, stored in its plain form.
   */
  const typed = (
    p: string,
    test: string,
    native: Native,
    superset: boolean,
    kind: FieldKind | undefined,
  ): Part => {
    if (superset) {
      const other = `NOT attribute_type(${p}, ${typeOf(native.type)})`;
      if (native.kind !== "date") return `(${test} OR ${other})`;
      const plus = value({ S: "+" });
      const minus = value({ S: "-" });
      return `(${test} OR ${other} OR begins_with(${p}, ${plus}) OR begins_with(${p}, ${minus}))`;
    }
    if (native.kind === "date" || kind !== native.kind) return false;
    return `(${test} AND attribute_type(${p}, ${typeOf(native.type)}))`;
  };

  let expression = build(cond, mode === "superset");
  // An item of an older schema version is migrated when read: what it stores is not what it
  // reads as, so a filter lets it pass on to the test on its value.
  if (mode === "superset" && expression !== true && Object.keys(definition.migrate).length > 0) {
    names["#cschema"] = SCHEMA_VERSION_ATTRIBUTE;
    values[":cver"] = { N: String(definition.version) };
    expression = join([expression, "#cschema < :cver"], "OR");
  }
  if (typeof expression === "boolean") return expression;
  // Parts folded away (an `or` with a part that always holds) leave placeholders DynamoDB would
  // refuse as unused.
  const used = new Set(expression.match(/[#:]c[a-z\d]+/g));
  const keep = <V>(all: Record<string, V>) =>
    Object.fromEntries(Object.entries(all).filter(([placeholder]) => used.has(placeholder)));
  const compiled = { expression, names: keep(names), values: keep(values) };
  if (Buffer.byteLength(expression) > MAX_EXPRESSION_BYTES) {
    // A write's condition is then tested on the value instead (the update runs as a swap).
    if (mode === "subset") return false;
    throw invalidFilter(
      definition.name,
      "",
      `it makes a FilterExpression of ${Buffer.byteLength(expression)} bytes, over DynamoDB's ${MAX_EXPRESSION_BYTES}: test fewer values (an "or" of many eq is a long one)`,
    );
  }
  return compiled;
}

/**
 * Only items that have not expired (`_ttl` absent or after `now`): exact, as dynatom alone
 * writes `_ttl`. Placeholders of its own, beside a `where` filter's.
 */
export function liveFilter(now: number): Compiled {
  return {
    expression: "(attribute_not_exists(#cttl) OR #cttl > :cnow)",
    names: { "#cttl": TTL_ATTRIBUTE },
    values: { ":cnow": { N: String(now) } },
  };
}

/** Both filters, either of which may be absent. */
export function bothFilters(
  a: Compiled | undefined,
  b: Compiled | undefined,
): Compiled | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return {
    expression: `${a.expression} AND ${b.expression}`,
    names: { ...a.names, ...b.names },
    values: { ...a.values, ...b.values },
  };
}
