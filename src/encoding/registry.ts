import { SuperJSON } from "superjson";

/**
 * dynatom's own superjson instance. Its class and custom-transformer registries are how users
 * teach the codec new types; keeping it apart from superjson's default instance means dynatom
 * never changes how the application's own superjson behaves.
 */
export const superjson = new SuperJSON();

type Class = new (...args: never[]) => unknown;

/**
 * Lets instances of a class be stored: its own enumerable properties (or only `allowProps`) are
 * stored like an object's, and decoded items get the class's prototype back. The identifier
 * (default: the class name) is stored in the type note, so keep it stable.
 *
 * @example
 * class Money { constructor(public cents: bigint, public currency: string) {} }
 * registerClass(Money, { identifier: "Money" });
 */
export function registerClass(
  clazz: Class,
  options?: string | { identifier?: string; allowProps?: string[] },
): void {
  superjson.registerClass(clazz as never, options);
}

/**
 * Stores values that `isApplicable` recognises as the JSON value `serialize` makes of them, and
 * rebuilds them with `deserialize`. Applies to objects that are not plain objects or arrays.
 * The name is stored in the type note, so keep it stable.
 *
 * @example
 * registerCustom<Decimal, string>({
 *   isApplicable: (v): v is Decimal => Decimal.isDecimal(v),
 *   serialize: (v) => v.toJSON(),
 *   deserialize: (v) => new Decimal(v),
 * }, "decimal.js");
 */
export function registerCustom<I, O extends JsonValue>(
  transformer: {
    isApplicable: (v: unknown) => v is I;
    serialize: (v: I) => O;
    deserialize: (v: O) => I;
  },
  name: string,
): void {
  customs.set(name, { name, ...transformer } as unknown as Custom);
}

/** What a custom transformer may produce. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** The identifier of a registered class, or undefined. */
export function classIdentifier(ctor: unknown): string | undefined {
  return superjson.classRegistry.getIdentifier(ctor as Class);
}

export function classByIdentifier(identifier: string): Class | undefined {
  return superjson.classRegistry.getValue(identifier) as Class | undefined;
}

export function allowedProps(ctor: unknown): readonly string[] | undefined {
  return superjson.classRegistry.getAllowedProps(ctor as Class);
}

export interface Custom {
  readonly name: string;
  isApplicable(value: unknown): boolean;
  serialize(value: unknown): JsonValue;
  deserialize(value: JsonValue): unknown;
}

// Our own Map rather than superjson's lookup: a name read from a stored note must never reach
// an inherited property such as "constructor".
const customs = new Map<string, Custom>();

/** A custom type's stored form; a `serialize` that throws goes to `fail`, with its cause. */
export function serializeCustom(
  custom: Custom,
  value: unknown,
  fail: (why: string, cause: unknown) => never,
): unknown {
  try {
    return custom.serialize(value);
  } catch (err) {
    return fail(`its serialize threw (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

export function customFor(value: unknown): Custom | undefined {
  for (const custom of customs.values()) if (custom.isApplicable(value)) return custom;
  return undefined;
}

export function customByName(name: string): Custom | undefined {
  return customs.get(name);
}
