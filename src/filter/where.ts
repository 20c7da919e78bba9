import { DynatomError } from "../errors/index.js";
import { objectEntries } from "../schema/introspect.js";
import type { AtomDefinition } from "../schema/types.js";

/** A path into the value: a top-level field, then object keys and list indexes. */
export type Path = readonly (string | number)[];

export type Comparison = "eq" | "ne" | "lt" | "lte" | "gt" | "gte";

/** A condition as the operators build it. */
export type Cond =
  | { readonly op: "cmp"; readonly cmp: Comparison; readonly path: Path; readonly value: unknown }
  | { readonly op: "between"; readonly path: Path; readonly lo: unknown; readonly hi: unknown }
  | { readonly op: "exists" | "notExists"; readonly path: Path }
  | { readonly op: "beginsWith"; readonly path: Path; readonly value: string }
  | { readonly op: "contains"; readonly path: Path; readonly value: unknown }
  | { readonly op: "and" | "or"; readonly parts: readonly Cond[] }
  | { readonly op: "not"; readonly part: Cond };

declare const whereBrand: unique symbol;

/** A condition on a value, made by the operators a `where` callback is given. */
export interface Where {
  readonly [whereBrand]: true;
}

/** The values `lt`, `gt`, `between`, … order: by number, by UTF-8 bytes, by time. */
export type Orderable = number | bigint | string | Date;

/** What an ordering compares a field with: its type, neither null nor undefined. */
type Present<V> = Exclude<V, null | undefined>;

type Leaf =
  | string
  | number
  | bigint
  | boolean
  | Date
  | RegExp
  | URL
  | Uint8Array
  | ReadonlySet<unknown>
  | ReadonlyMap<unknown, unknown>
  | null
  | undefined;

/**
 * What a `where` callback sees of the value: its fields, nested objects always present (a path
 * through an absent object is simply false), leaves with their own types.
 */
export type WhereFields<T> = [T] extends [Leaf]
  ? T
  : NonNullable<T> extends readonly (infer E)[]
    ? readonly WhereFields<E>[]
    : NonNullable<T> extends object
      ? Merged<NonNullable<T>>
      : T;

/** Every key of any member of a union. */
type AllKeys<U> = U extends unknown ? keyof U : never;
/** A key's type in each member of a union, undefined where a member lacks it. */
type MemberField<U, K extends PropertyKey> = U extends unknown
  ? K extends keyof U
    ? U[K]
    : undefined
  : never;
/**
 * An object's fields, or the fields of every variant of a union of objects (a `v.variant`),
 * each possibly undefined where a variant lacks it: a path through an absent field is false.
 */
type Merged<U> = { readonly [K in AllKeys<U>]-?: WhereFields<MemberField<U, K>> };

/** The operators of a `where` callback. The first argument is always a field of the value. */
export interface WhereOps {
  /** Equal: numbers by value, Dates by time, strings, booleans, and any other value structurally. */
  eq<V>(field: V, value: NoInfer<V>): Where;
  ne<V>(field: V, value: NoInfer<V>): Where;
  lt<V extends Orderable | null | undefined>(field: V, value: NoInfer<Present<V>>): Where;
  lte<V extends Orderable | null | undefined>(field: V, value: NoInfer<Present<V>>): Where;
  gt<V extends Orderable | null | undefined>(field: V, value: NoInfer<Present<V>>): Where;
  gte<V extends Orderable | null | undefined>(field: V, value: NoInfer<Present<V>>): Where;
  /** Both ends included. */
  between<V extends Orderable | null | undefined>(
    field: V,
    low: NoInfer<Present<V>>,
    high: NoInfer<Present<V>>,
  ): Where;
  beginsWith(field: string | null | undefined, prefix: string): Where;
  /** A string holds `part`; a list or a Set holds the element. */
  contains(field: string | null | undefined, part: string): Where;
  contains<E>(field: readonly E[] | ReadonlySet<E> | null | undefined, element: NoInfer<E>): Where;
  /** The field holds a value (not undefined). */
  exists(field: unknown): Where;
  notExists(field: unknown): Where;
  and(...conditions: Where[]): Where;
  or(...conditions: Where[]): Where;
  not(condition: Where): Where;
}

/** The callback `where` takes: a condition on the value's fields. */
export type WhereFn<T> = (value: WhereFields<T>, ops: WhereOps) => Where;

const PATH = Symbol("dynatom.where-path");
const COND = Symbol("dynatom.where-cond");

/** Schemas that wrap another without changing which paths it has. */
const WRAPPERS = new Set([
  "optional",
  "exact_optional",
  "nullish",
  "undefinedable",
  "nullable",
  "non_optional",
  "non_nullable",
  "non_nullish",
]);

/** A schema under its optional and required wrappers. */
export function unwrap(
  schema: unknown,
): { readonly type?: unknown; readonly item?: unknown; readonly value?: unknown } | undefined {
  let node = schema as { type?: unknown; wrapped?: unknown; item?: unknown } | undefined;
  while (node !== undefined && node !== null && WRAPPERS.has(String(node.type)))
    node = node.wrapped as typeof node;
  return node ?? undefined;
}

/** The schema one step below `schema` along `key`, when it can be told. */
export function childSchema(schema: unknown, key: string | number): unknown {
  const node = unwrap(schema);
  if (node?.type === "array") return node.item;
  if (node?.type === "tuple") return (node as { items?: unknown[] }).items?.[Number(key)];
  return objectEntries(node)?.[String(key)];
}

/** A stand-in for the field at `path`: property access goes deeper, an operator reads the path. */
function ref(path: Path, schema: unknown, fail: (path: string, reason: string) => Error): unknown {
  return new Proxy(Object.create(null), {
    get(_, key) {
      if (key === PATH) return path;
      if (typeof key === "symbol") return undefined;
      const node = unwrap(schema);
      const list = node?.type === "array" || node?.type === "tuple";
      if (list && !/^\d+$/.test(key)) {
        // A list's `length` is no field DynamoDB holds; `x.tags[0]` is.
        throw fail(
          pathText([...path, key]),
          `a list is read by index (${pathText(path)}[0]), it has no field "${key}"`,
        );
      }
      const step = list ? Number(key) : key;
      return ref([...path, step], childSchema(schema, step), fail);
    },
  });
}

/** How a path reads in messages: `prefs.theme`, `items[0].sku`. */
export function pathText(path: Path): string {
  return path
    .map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join("");
}

/**
 * The condition a `where` callback builds on the fields of `definition`'s value, checked: every
 * path starts at a field of the value, every operator gets a field first.
 *
 * @example buildWhere(Account, (v, { gte }) => gte(v.score, 0))
 * // { op: "cmp", cmp: "gte", path: ["score"], value: 0 }
 */
export function buildWhere(definition: AtomDefinition, fn: unknown): Cond {
  const fail = (path: string, reason: string) => invalidFilter(definition.name, path, reason);
  if (typeof fn !== "function")
    throw fail("", `where takes a function (v, ops) => condition, not ${typeof fn}`);
  const entries = objectEntries(unwrap(definition.schema)) ?? {};
  const pathOf = (field: unknown, op: string): Path => {
    const path = (field as { [PATH]?: Path } | null)?.[PATH];
    if (!Array.isArray(path) || path.length === 0)
      throw fail(
        "",
        `${op} takes a field of the value first (as in ${op}(v.score, …)), not a value`,
      );
    const [top] = path as Path;
    if (!Object.hasOwn(entries, String(top)))
      throw fail(
        pathText(path),
        `"${String(top)}" is not a field of the value (${Object.keys(entries).join(", ")})`,
      );
    return path as Path;
  };
  const operand = (value: unknown, op: string): unknown => {
    if ((value as { [PATH]?: Path } | null)?.[PATH] !== undefined)
      throw fail("", `${op} compares a field with a value, not with another field`);
    return value;
  };
  const condOf = (where: unknown, op: string): Cond => {
    const cond = (where as { [COND]?: Cond } | null)?.[COND];
    if (cond === undefined) throw fail("", `${op} takes conditions made by the operators`);
    return cond;
  };
  const make = (cond: Cond): Where => ({ [COND]: cond }) as unknown as Where;
  const compare =
    (cmp: Comparison) =>
    (field: unknown, value: unknown): Where => {
      const path = pathOf(field, cmp);
      const given = operand(value, cmp);
      if (cmp !== "eq" && cmp !== "ne" && !orderable(given))
        throw fail(
          pathText(path),
          `${cmp} orders numbers, bigints, strings and Dates, not ${kindOf(given)}`,
        );
      return make({ op: "cmp", cmp, path, value: given });
    };
  const parts =
    (op: "and" | "or") =>
    (...conditions: unknown[]) => {
      if (conditions.length === 0) throw fail("", `${op} takes at least one condition`);
      return make({ op, parts: conditions.map((c) => condOf(c, op)) });
    };
  const ops: WhereOps = {
    eq: compare("eq"),
    ne: compare("ne"),
    lt: compare("lt"),
    lte: compare("lte"),
    gt: compare("gt"),
    gte: compare("gte"),
    between(field: unknown, low: unknown, high: unknown) {
      const path = pathOf(field, "between");
      const lo = operand(low, "between");
      const hi = operand(high, "between");
      if (!orderable(lo) || !orderable(hi) || kindOf(lo) !== kindOf(hi))
        throw fail(
          pathText(path),
          "between takes two ends of one kind: numbers, bigints, strings or Dates",
        );
      return make({ op: "between", path, lo, hi });
    },
    beginsWith(field: unknown, prefix: unknown) {
      const path = pathOf(field, "beginsWith");
      if (typeof prefix !== "string")
        throw fail(pathText(path), `beginsWith takes a string prefix, not ${kindOf(prefix)}`);
      return make({ op: "beginsWith", path, value: prefix });
    },
    contains(field: unknown, part: unknown) {
      const path = pathOf(field, "contains");
      return make({ op: "contains", path, value: operand(part, "contains") });
    },
    exists: (field: unknown) => make({ op: "exists", path: pathOf(field, "exists") }),
    notExists: (field: unknown) => make({ op: "notExists", path: pathOf(field, "notExists") }),
    and: parts("and"),
    or: parts("or"),
    not: (condition: unknown) => make({ op: "not", part: condOf(condition, "not") }),
  } as WhereOps;
  return condOf(fn(ref([], definition.schema, fail), ops), "where");
}

function orderable(value: unknown): boolean {
  return (
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "string" ||
    value instanceof Date
  );
}

export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Date) return "a Date";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value;
}

/** The top-level fields a condition reads: what a projected read must include. */
export function fieldsOf(cond: Cond, into: Set<string> = new Set()): Set<string> {
  switch (cond.op) {
    case "and":
    case "or":
      for (const part of cond.parts) fieldsOf(part, into);
      return into;
    case "not":
      return fieldsOf(cond.part, into);
    default:
      into.add(String(cond.path[0]));
      return into;
  }
}

export function invalidFilter(atom: string, path: string, reason: string): DynatomError {
  const where = path === "" ? "" : ` at ${path}`;
  return new DynatomError(
    "filter.invalid",
    `Atom "${atom}": a where condition cannot be run${where}: ${reason}.`,
    { details: { atom, path, reason } },
  );
}

/**
 * A condition as text, for a cursor's fingerprint: every value tagged with its kind, so that two
 * conditions share a text only when they are the same (Infinity is not NaN, 5n is not "5n").
 */
export function condKey(cond: Cond): string {
  return JSON.stringify(tagged(cond));
}

function tagged(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      return { n: Object.is(value, -0) ? "-0" : String(value) };
    case "bigint":
      return { b: String(value) };
    case "string":
      return { s: value };
    case "boolean":
      return { t: value };
    case "undefined":
      return { u: true };
    default:
      if (value === null) return { z: true };
      if (value instanceof Date) return { d: String(value.getTime()) };
      if (value instanceof Set) return { set: [...value].map(tagged) };
      if (value instanceof Map) return { map: [...value].map(([k, v]) => [tagged(k), tagged(v)]) };
      if (Array.isArray(value)) return { l: value.map(tagged) };
      if (typeof value === "object")
        return {
          o: Object.entries(value).map(([k, v]) => [k, tagged(v)]),
          c: value.constructor?.name,
        };
      return { x: String(value) };
  }
}
