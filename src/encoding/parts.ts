/** Values rebuilt from their decoded parts: entries, elements, an Error's fields. */
import { setOwn } from "./note.js";
import type { Read } from "./read.js";

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function recordFromPairs<T extends object>(
  pairs: [unknown, unknown][],
  target: T,
  read: Read,
): T {
  for (const [key, value] of pairs) {
    if (typeof key !== "string") read.fail("an object's key must be a string");
    if (Object.hasOwn(target, key)) read.fail(`it holds the key ${JSON.stringify(key)} twice`);
    setOwn(target as Record<string, unknown>, key, value);
  }
  return target;
}

// A repeat would silently drop an entry: our encoder never writes one, so the item is damaged.
export function mapOf(pairs: [unknown, unknown][], read: Read): Map<unknown, unknown> {
  const map = new Map(pairs);
  if (map.size !== pairs.length)
    read.fail(`the Map holds the key ${repeated(pairs.map(([key]) => key))} twice`);
  return map;
}

export function setOf(list: unknown[], read: Read): Set<unknown> {
  const set = new Set(list);
  if (set.size !== list.length) read.fail(`the Set holds ${repeated(list)} twice`);
  return set;
}

/** The first value met twice, as messages show it. */
export function repeated(values: readonly unknown[]): string {
  const seen = new Set<unknown>();
  const twice = values.find((value) => seen.size === seen.add(value).size);
  return typeof twice === "string" ? JSON.stringify(twice) : String(twice);
}

export function decodeError(fields: Record<string, unknown>, read: Read): Error {
  const { name, message, cause, ...rest } = fields;
  if (typeof name !== "string" || typeof message !== "string")
    read.fail("an Error needs a name and a message");
  const Ctor = Object.hasOwn(ERROR_TYPES, name) ? (ERROR_TYPES[name] as ErrorConstructor) : Error;
  const error = Object.hasOwn(fields, "cause") ? new Ctor(message, { cause }) : new Ctor(message);
  if (error.name !== name) setOwn(error as unknown as Record<string, unknown>, "name", name);
  for (const key of Object.keys(rest))
    setOwn(error as unknown as Record<string, unknown>, key, rest[key]);
  return error;
}
