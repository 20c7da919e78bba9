/**
 * What a schema outputs, checked on the values read back: the TYPES at every depth (a number is
 * a number, an object holds its required fields), not the refinements (`v.email()`,
 * `v.minLength()`), which every write already checked. Compiled once per schema into plain
 * closures, so a read costs one walk of the value and no copy of it.
 */
import { setOwn } from "../encoding/note.js";
import { formatPath } from "../encoding/path.js";
import {
  ANY,
  at,
  type Check,
  defaultOf,
  fail,
  isPlain,
  leaf,
  type Mismatch,
  MismatchAt,
  type Node,
} from "./check-walk.js";

export type { Check, Mismatch } from "./check-walk.js";

/** Transformations that keep the type (and give the same value again on their own output). */
const KEEPS_TYPE = new Set([
  "brand",
  "flavor",
  "readonly",
  "guard",
  "normalize",
  "trim",
  "trim_start",
  "trim_end",
  "to_lower_case",
  "to_upper_case",
  "to_camel_case",
  "to_kebab_case",
  "to_pascal_case",
  "to_snake_case",
  "to_min_value",
  "to_max_value",
  "sort_items",
  "filter_items",
]);

const compiled = new WeakMap<object, Check>();

/** The check of a schema's output: compiled once, then shared. */
export function compile(schema: unknown): Check {
  if (typeof schema !== "object" || schema === null) return ANY;
  let check = compiled.get(schema);
  if (check === undefined) {
    check = build(schema as Node);
    compiled.set(schema, check);
  }
  return check;
}

/**
 * Where a pipe leaves its value: whether a transformation changes its type, and the check of its
 * output (undefined when nothing after a `v.transform` says what it made).
 */
export function pipeOutput(pipe: readonly Node[]): {
  changesType: boolean;
  output: Check | undefined;
} {
  let output: Check | undefined = compile(pipe[0]);
  let changesType = false;
  for (const item of pipe.slice(1)) {
    if (item.kind === "schema") output = compile(item);
    else if (item.kind === "transformation" && !KEEPS_TYPE.has(String(item.type))) {
      changesType = true;
      output = CONVERTED[String(item.type)];
    }
  }
  return { changesType, output };
}

/** valibot's conversions whose output type is known. */
const CONVERTED: Readonly<Record<string, Check>> = {
  to_date: leaf({}, "Date", (x) => x instanceof Date && !Number.isNaN(x.getTime())),
  to_number: leaf({}, "number", (x) => typeof x === "number"),
  to_bigint: leaf({}, "bigint", (x) => typeof x === "bigint"),
  to_string: leaf({}, "string", (x) => typeof x === "string"),
  to_boolean: leaf({}, "boolean", (x) => typeof x === "boolean"),
  parse_boolean: leaf({}, "boolean", (x) => typeof x === "boolean"),
  stringify_json: leaf({}, "string", (x) => typeof x === "string"),
};

/** Whether a value passes a check, with no side effect. */
export function passes(check: Check, value: unknown): boolean {
  try {
    check(value, { path: [], fill: false, outputs: undefined });
    return true;
  } catch (err) {
    if (err instanceof MismatchAt) return false;
    throw err;
  }
}

/** Checks a value read back, filling in missing defaults in place; the first mismatch, if any. */
export function mismatchOf(check: Check, value: unknown): Mismatch | undefined {
  try {
    check(value, { path: [], fill: true, outputs: undefined });
    return undefined;
  } catch (err) {
    if (err instanceof MismatchAt) return err.mismatch;
    throw err;
  }
}

/**
 * The values of `value` found where a pipe changes the type: the outputs a swap was given, which
 * it may hand back unchanged. Stops quietly where the value does not fit the schema.
 */
export function outputsOf(check: Check, value: unknown): Set<unknown> {
  const outputs = new Set<unknown>();
  try {
    check(value, { path: [], fill: false, outputs });
  } catch (err) {
    if (!(err instanceof MismatchAt)) throw err;
  }
  return outputs;
}

function build(node: Node): Check {
  if (Array.isArray(node.pipe)) {
    const { changesType, output = ANY } = pipeOutput(node.pipe);
    if (!changesType) return output;
    return (value, walk) => {
      if (value !== undefined && value !== null) walk.outputs?.add(value);
      return output(value, walk);
    };
  }
  const type = String(node.type);
  switch (type) {
    case "string":
    case "bigint":
    case "boolean":
    case "symbol":
    case "function":
      return leaf(node, type, (x) => typeof x === type);
    case "number":
      return leaf(node, type, (x) => typeof x === "number" && !Number.isNaN(x));
    case "nan":
      return leaf(node, "NaN", (x) => Number.isNaN(x));
    case "date":
      return leaf(node, "Date", (x) => x instanceof Date && !Number.isNaN(x.getTime()));
    case "null":
      return leaf(node, type, (x) => x === null);
    case "undefined":
    case "void":
      return leaf(node, type, (x) => x === undefined);
    case "never":
      return leaf(node, type, () => false);
    case "literal":
      return leaf(node, "that literal", (x) => x === node.literal);
    case "picklist":
    case "enum":
      return leaf(node, "one of its options", (x) => node.options?.includes(x) === true);
    case "instance":
      return leaf(node, "an instance", (x) => x instanceof (node.class as new () => object));
    case "custom":
      return leaf(node, "a value its check accepts", (x) => {
        try {
          return (node.check as (value: unknown) => unknown)(x) === true;
        } catch {
          return false;
        }
      });
    case "object":
    case "loose_object":
    case "strict_object":
    case "object_with_rest":
      return objectCheck(node);
    case "record":
      return recordCheck(node);
    case "array": {
      const item = compile(node.item);
      return listCheck(node, () => item);
    }
    case "tuple":
    case "loose_tuple":
    case "strict_tuple":
    case "tuple_with_rest":
      return listCheck(node, (i) =>
        i < (node.items?.length ?? 0) ? compile(node.items?.[i]) : restOf(node),
      );
    case "set":
      return collectionCheck(node);
    case "map":
      return collectionCheck(node);
    default:
      return wrapperCheck(node, type);
  }
}

function restOf(node: Node): Check {
  return node.rest === undefined ? ANY : compile(node.rest);
}

function wrapperCheck(node: Node, type: string): Check {
  switch (type) {
    case "optional":
    case "exact_optional":
    case "undefinedable":
    case "nullable":
    case "nullish":
    case "non_optional":
    case "non_nullable":
    case "non_nullish": {
      const wrapped = compile(node.wrapped);
      const undefinedOk = ["optional", "undefinedable", "nullish"].includes(type);
      const nullOk = type === "nullable" || type === "nullish";
      const refused = type.startsWith("non_") ? type.slice(4) : undefined;
      return (value, walk) => {
        if ((value === undefined && undefinedOk) || (value === null && nullOk)) {
          return walk.fill && node.default !== undefined ? defaultOf(node) : value;
        }
        if (
          (value === undefined && (refused === "optional" || refused === "nullish")) ||
          (value === null && (refused === "nullable" || refused === "nullish"))
        ) {
          return fail(walk, "a value", value);
        }
        return wrapped(value, walk);
      };
    }
    case "union":
    case "variant":
    case "intersect": {
      const options = (node.options ?? []).map(compile);
      const expected = typeof node.expects === "string" ? node.expects : `a ${type} option`;
      if (type === "intersect")
        return (value, walk) => options.reduce((x, check) => check(x, walk), value);
      return (value, walk) => {
        const depth = walk.path.length;
        for (const option of options) {
          try {
            return option(value, walk);
          } catch (err) {
            if (!(err instanceof MismatchAt)) throw err;
            walk.path.length = depth;
          }
        }
        return fail(walk, expected, value);
      };
    }
    case "lazy":
      return (value, walk) =>
        compile((node.getter as (input: unknown) => unknown)(value))(value, walk);
    default:
      // A schema type this release does not know: nothing is assumed about its values.
      return ANY;
  }
}

const MAY_BE_MISSING = new Set(["optional", "exact_optional", "nullish"]);

function objectCheck(node: Node): Check {
  const entries = Object.entries(node.entries ?? {}).map(
    ([key, schema]) => [key, compile(schema), schema] as const,
  );
  const rest = node.type === "object_with_rest" ? restOf(node) : undefined;
  return (value, walk) => {
    if (!isPlain(value)) return fail(walk, "Object", value);
    for (const [key, check, schema] of entries) {
      if (Object.hasOwn(value, key)) {
        const stored = value[key];
        const out = at(walk, key, check, stored);
        if (out !== stored) setOwn(value, key, out);
      } else if (
        walk.fill &&
        MAY_BE_MISSING.has(String(schema.type)) &&
        schema.default !== undefined
      ) {
        setOwn(value, key, defaultOf(schema));
      } else if (!MAY_BE_MISSING.has(String(schema.type))) {
        walk.path.push(key);
        const expected = typeof schema.expects === "string" ? schema.expects : "a value";
        throw new MismatchAt({ path: formatPath(walk.path), expected, found: "missing" });
      }
    }
    if (rest !== undefined) {
      for (const key of Object.keys(value)) {
        if (Object.hasOwn(node.entries ?? {}, key)) continue;
        const stored = value[key];
        const out = at(walk, key, rest, stored);
        if (out !== stored) setOwn(value, key, out);
      }
    }
    return value;
  };
}

function recordCheck(node: Node): Check {
  const keyCheck = compile(node.key);
  const valueCheck = compile(node.value);
  return (value, walk) => {
    if (!isPlain(value)) return fail(walk, "Object", value);
    for (const key of Object.keys(value)) {
      at(walk, key, keyCheck, key);
      const stored = value[key];
      const out = at(walk, key, valueCheck, stored);
      if (out !== stored) setOwn(value, key, out);
    }
    return value;
  };
}

function listCheck(node: Node, itemCheck: (index: number) => Check): Check {
  const expected = typeof node.expects === "string" ? node.expects : "Array";
  return (value, walk) => {
    if (!Array.isArray(value)) return fail(walk, expected, value);
    for (let i = 0; i < value.length; i++) {
      const stored: unknown = value[i];
      const out = at(walk, i, itemCheck(i), stored);
      if (out !== stored) value[i] = out;
    }
    return value;
  };
}

/** A Set or a Map: its elements are checked where they are, without replacing them. */
function collectionCheck(node: Node): Check {
  const isMap = node.type === "map";
  const keyCheck = isMap ? compile(node.key) : ANY;
  const valueCheck = compile(node.value);
  return (value, walk) => {
    if (!(isMap ? value instanceof Map : value instanceof Set)) {
      return fail(walk, isMap ? "Map" : "Set", value);
    }
    let entry = 0;
    for (const [key, element] of (value as Map<unknown, unknown>).entries()) {
      if (isMap) at(walk, { entry, part: "key" }, keyCheck, key);
      at(walk, isMap ? { entry, part: "value" } : entry, valueCheck, element);
      entry++;
    }
    return value;
  };
}
