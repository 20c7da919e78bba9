import { equal } from "../atom/equal.js";
import { compareUtf8 } from "../encoding/index.js";
import type { Cond, Path } from "./where.js";

/** The value at `path`, through own properties and list indexes only; undefined past a leaf. */
export function valueAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const step of path) {
    if (typeof node !== "object" || node === null) return undefined;
    if (!Object.hasOwn(node, step)) return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

/** A string as DynamoDB compares it: its stored form (a lone surrogate is stored escaped). */
export function storedString(text: string): string {
  return text.isWellFormed() ? text : JSON.stringify(text);
}

/**
 * Equality as a condition means it: numbers by value (0 equals -0, NaN nothing), Dates by time,
 * anything else structurally.
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return equal(a, b);
}

/** The order of two values of one orderable kind, or undefined when they do not compare. */
export function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") {
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string")
    return Math.sign(compareUtf8(storedString(a), storedString(b)));
  if (a instanceof Date && b instanceof Date) return order(a.getTime(), b.getTime());
  return undefined;
}

/**
 * Whether a decoded value meets a condition: the exact test, after DynamoDB's filter (a superset,
 * see `compile.ts`) has dropped what surely does not.
 */
export function evaluate(cond: Cond, value: unknown): boolean {
  switch (cond.op) {
    case "and":
      return cond.parts.every((part) => evaluate(part, value));
    case "or":
      return cond.parts.some((part) => evaluate(part, value));
    case "not":
      return !evaluate(cond.part, value);
    case "exists":
      return valueAt(value, cond.path) !== undefined;
    case "notExists":
      return valueAt(value, cond.path) === undefined;
    case "beginsWith": {
      const field = valueAt(value, cond.path);
      return typeof field === "string" && storedString(field).startsWith(storedString(cond.value));
    }
    case "contains": {
      const field = valueAt(value, cond.path);
      if (typeof field === "string")
        return (
          typeof cond.value === "string" && storedString(field).includes(storedString(cond.value))
        );
      if (Array.isArray(field)) return field.some((element) => same(element, cond.value));
      if (field instanceof Set) return [...field].some((element) => same(element, cond.value));
      return false;
    }
    case "between": {
      const field = valueAt(value, cond.path);
      const low = order(field, cond.lo);
      const high = order(field, cond.hi);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case "cmp": {
      const field = valueAt(value, cond.path);
      if (cond.cmp === "eq") return same(field, cond.value);
      if (cond.cmp === "ne") return !same(field, cond.value);
      const sign = order(field, cond.value);
      if (sign === undefined) return false;
      if (cond.cmp === "lt") return sign < 0;
      if (cond.cmp === "lte") return sign <= 0;
      if (cond.cmp === "gt") return sign > 0;
      return sign >= 0;
    }
  }
}
