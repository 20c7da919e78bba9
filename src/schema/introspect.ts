/**
 * Reads what dynatom needs from a valibot schema at run time: the top-level fields of an object
 * schema, and for a key or index field, its indexable kind and whether it is always present.
 */

/** The kinds of value a key or index field may hold (a picklist of strings is a string). */
export type FieldKind = "string" | "number" | "bigint" | "date" | "boolean";

export interface FieldShape {
  /** The indexable kind, or undefined with `why` when there is none or it cannot be told. */
  readonly kind: FieldKind | undefined;
  /** Whether the field may be absent, undefined or null. */
  readonly optional: boolean;
  readonly why?: string;
}

interface SchemaNode {
  readonly type?: unknown;
  readonly kind?: unknown;
  readonly wrapped?: unknown;
  readonly options?: unknown;
  readonly pipe?: unknown;
  readonly literal?: unknown;
  readonly enum?: unknown;
  readonly entries?: unknown;
}

const OBJECT_TYPES = new Set(["object", "strict_object", "loose_object", "object_with_rest"]);
const OPTIONAL_WRAPPERS = new Set([
  "optional",
  "exact_optional",
  "nullish",
  "undefinedable",
  "nullable",
]);
const REQUIRED_WRAPPERS = new Set(["non_optional", "non_nullable", "non_nullish"]);
const KIND_OF_TYPE: Record<string, FieldKind> = {
  string: "string",
  number: "number",
  bigint: "bigint",
  date: "date",
  boolean: "boolean",
};

/** The entries of an object schema (`v.object`, `v.strictObject`, …), or undefined. */
export function objectEntries(schema: unknown): Record<string, unknown> | undefined {
  const node = schema as SchemaNode | null;
  if (typeof node !== "object" || node === null || !OBJECT_TYPES.has(String(node.type)))
    return undefined;
  return typeof node.entries === "object" && node.entries !== null
    ? (node.entries as Record<string, unknown>)
    : undefined;
}

function kindOfValue(value: unknown): FieldKind | undefined {
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return typeof value as FieldKind;
  }
  return undefined;
}

/** One kind for all these values, or undefined. */
function commonKind(kinds: readonly (FieldKind | undefined)[]): FieldKind | undefined {
  const first = kinds[0];
  return first !== undefined && kinds.every((kind) => kind === first) ? first : undefined;
}

/** The shape of one field's schema. Unions count when all their options have one kind. */
export function fieldShape(schema: unknown): FieldShape {
  const node = schema as SchemaNode | null;
  if (typeof node !== "object" || node === null)
    return { kind: undefined, optional: false, why: "it is not a schema" };
  const type = String(node.type);
  if (OPTIONAL_WRAPPERS.has(type)) {
    return { ...fieldShape(node.wrapped), optional: true };
  }
  if (REQUIRED_WRAPPERS.has(type)) return { ...fieldShape(node.wrapped), optional: false };
  if (
    Array.isArray(node.pipe) &&
    node.pipe.some((step: SchemaNode) => step.kind === "transformation")
  ) {
    return {
      kind: undefined,
      optional: false,
      why: "its pipe transforms the value, so its stored type cannot be told",
    };
  }
  const direct = KIND_OF_TYPE[type];
  if (direct !== undefined) return { kind: direct, optional: false };
  let kind: FieldKind | undefined;
  if (type === "literal") kind = kindOfValue(node.literal);
  else if (type === "picklist" && Array.isArray(node.options))
    kind = commonKind(node.options.map(kindOfValue));
  else if (type === "enum" && typeof node.enum === "object" && node.enum !== null) {
    kind = commonKind(Object.values(node.enum).map(kindOfValue));
  } else if (type === "union" && Array.isArray(node.options)) {
    const shapes = node.options.map(fieldShape);
    kind = commonKind(shapes.map((shape) => shape.kind));
    if (kind !== undefined) return { kind, optional: shapes.some((shape) => shape.optional) };
  }
  return kind !== undefined
    ? { kind, optional: false }
    : { kind: undefined, optional: false, why: `it is a ${type}` };
}

/** Object schemas whose output holds exactly the fields their entries name. */
const CLOSED_OBJECT_TYPES = new Set(["object", "strict_object"]);
/** Pipe actions that keep an object's fields as they are. */
const KEEPS_FIELDS = new Set(["brand", "flavor", "readonly", "guard"]);

/**
 * The top-level fields an atom value can hold, from its schema; undefined when they cannot all
 * be named. A `v.object` or `v.strictObject` names them (valibot drops any other key on write);
 * a loose object, an object with rest, a record, a union, `v.custom` or a pipe that transforms
 * (its output's fields are unknown) cannot, and then a read must take the whole item.
 *
 * @example valueFields(v.object({ id: v.string(), n: v.optional(v.number()) })); // ["id", "n"]
 */
export function valueFields(schema: unknown): readonly string[] | undefined {
  const entries = valueEntries(schema);
  return entries === undefined ? undefined : Object.keys(entries);
}

/** Like {@link valueFields}: each field's own schema, by name. */
export function valueEntries(schema: unknown): Readonly<Record<string, unknown>> | undefined {
  const node = schema as SchemaNode | null;
  if (typeof node !== "object" || node === null) return undefined;
  if (Array.isArray(node.pipe)) {
    const [first, ...steps] = node.pipe as SchemaNode[];
    const keeps = steps.every(
      (step) =>
        step.kind === "validation" ||
        step.kind === "metadata" ||
        (step.kind === "transformation" && KEEPS_FIELDS.has(String(step.type))),
    );
    return keeps ? valueEntries(first) : undefined;
  }
  const type = String(node.type);
  if (OPTIONAL_WRAPPERS.has(type) || REQUIRED_WRAPPERS.has(type)) return valueEntries(node.wrapped);
  if (!CLOSED_OBJECT_TYPES.has(type)) return undefined;
  return objectEntries(node);
}
