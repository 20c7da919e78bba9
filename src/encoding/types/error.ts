import { setOwn } from "../note.js";
import { misfit, type TypeCodec } from "./codec.js";
import { fieldsOrPairs, ownKeys } from "./record.js";

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * An Error is its name, message, own fields and cause (never its stack) as an `M` tagged
 * `Error`; it comes back as the built-in error class of that name, or as an Error.
 */
export const error: TypeCodec<Error> = {
  tag: "Error",
  match: (value) => (value instanceof Error ? value : undefined),
  encode(value, depth, walker) {
    const fields: Record<string, unknown> = { name: value.name, message: value.message };
    for (const key of ownKeys(value, walker.trail))
      if (key !== "stack") setOwn(fields, key, (value as unknown as Record<string, unknown>)[key]);
    if (Object.hasOwn(value, "cause")) fields.cause = value.cause;
    // The Error itself is what its fields may hold again, not the copy of them.
    return fieldsOrPairs(value, fields, Object.keys(fields), depth, walker, error.tag);
  },
  decode(raw, type, node, tag, depth, walker) {
    if (type !== "M" && type !== "L") return misfit(tag, type, walker);
    const fields: Record<string, unknown> =
      type === "M" ? walker.fields(raw, node, depth, {}) : walker.pairFields(raw, node, depth, {});
    const { name, message, cause, ...rest } = fields;
    if (typeof name !== "string" || typeof message !== "string")
      return walker.trail.fail("an Error needs a name and a message");
    const Ctor = Object.hasOwn(ERROR_TYPES, name) ? (ERROR_TYPES[name] as ErrorConstructor) : Error;
    const made = Object.hasOwn(fields, "cause") ? new Ctor(message, { cause }) : new Ctor(message);
    if (made.name !== name) setOwn(made as unknown as Record<string, unknown>, "name", name);
    for (const key of Object.keys(rest))
      setOwn(made as unknown as Record<string, unknown>, key, rest[key]);
    return made;
  },
};
