/**
 * A validator for the JSON Schema keywords `atom-file.schema.json` uses, and no more: enough for
 * tests to check files against it without a validator dependency. An unknown keyword throws, so
 * the schema cannot quietly outgrow it.
 */

type Schema = { readonly [keyword: string]: unknown } | boolean;

const KNOWN = new Set([
  "$schema",
  "$defs",
  "$ref",
  "title",
  "description",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "minProperties",
  "items",
  "minItems",
  "uniqueItems",
  "minimum",
  "pattern",
  "format",
  "oneOf",
  "allOf",
  "if",
  "then",
]);

const typeOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : typeof value === "number" && Number.isInteger(value)
        ? "integer"
        : typeof value;

/**
 * The problems of `value` against `schema` (empty when valid), each with its JSON pointer.
 *
 * @example
 * validate(schema, { name: "x" }); // ["/: missing version", …]
 */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const check = (schema: Schema, data: unknown, at: string): boolean => {
    if (schema === true) return true;
    if (schema === false) return fail(at, "no value is allowed here");
    const before = errors.length;
    for (const keyword of Object.keys(schema))
      if (!KNOWN.has(keyword))
        throw new Error(`json-schema helper: unsupported keyword ${keyword}`);
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === "string") {
      const path = s.$ref.replace(/^#\//, "").split("/");
      let target: unknown = root;
      for (const part of path) target = (target as Record<string, unknown>)[part];
      check(target as Schema, data, at);
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      const actual = typeOf(data);
      if (!types.includes(actual) && !(actual === "integer" && types.includes("number")))
        fail(at, `is ${actual}, not ${types.join(" or ")}`);
    }
    if (Array.isArray(s.enum) && !s.enum.includes(data))
      fail(at, `is not one of ${s.enum.join(", ")}`);
    if (s.const !== undefined && s.const !== data) fail(at, `is not ${String(s.const)}`);
    if (typeof data === "number" && typeof s.minimum === "number" && data < s.minimum)
      fail(at, `is below ${s.minimum}`);
    if (
      typeof data === "string" &&
      typeof s.pattern === "string" &&
      !new RegExp(s.pattern).test(data)
    )
      fail(at, `does not match ${s.pattern}`);
    if (Array.isArray(data)) {
      if (typeof s.minItems === "number" && data.length < s.minItems) fail(at, "has too few items");
      if (s.uniqueItems === true && new Set(data).size !== data.length) fail(at, "repeats an item");
      if (s.items !== undefined)
        for (const [i, item] of data.entries()) check(s.items as Schema, item, `${at}/${i}`);
    }
    if (typeOf(data) === "object") {
      const object = data as Record<string, unknown>;
      const keys = Object.keys(object);
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      for (const name of (s.required ?? []) as string[])
        if (!keys.includes(name)) fail(at, `misses ${name}`);
      if (typeof s.minProperties === "number" && keys.length < s.minProperties)
        fail(at, "has too few properties");
      for (const key of keys) {
        const child = properties[key];
        if (child !== undefined) check(child, object[key], `${at}/${key}`);
        else if (s.additionalProperties !== undefined)
          check(s.additionalProperties as Schema, object[key], `${at}/${key}`);
        if (s.propertyNames !== undefined) check(s.propertyNames as Schema, key, `${at}/${key}`);
      }
    }
    if (Array.isArray(s.oneOf)) {
      const passing = s.oneOf.filter((option) => matches(option as Schema, data, at)).length;
      if (passing !== 1) fail(at, `matches ${passing} of oneOf, not exactly one`);
    }
    if (Array.isArray(s.allOf)) for (const part of s.allOf) check(part as Schema, data, at);
    if (s.if !== undefined && matches(s.if as Schema, data, at) && s.then !== undefined)
      check(s.then as Schema, data, at);
    return errors.length === before;
  };
  const matches = (schema: Schema, data: unknown, at: string): boolean => {
    const saved = errors.length;
    const ok = check(schema, data, at);
    errors.length = saved;
    return ok;
  };
  const fail = (at: string, message: string): false => {
    errors.push(`${at || "/"}: ${message}`);
    return false;
  };
  check(root, value, "");
  return errors;
}
