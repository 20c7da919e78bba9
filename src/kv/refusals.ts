import { DynatomError } from "../errors/index.js";
import { checkName } from "./names.js";

/** The most keys `multiSet` / `multiDelete` take: one DynamoDB transaction's. */
export const MAX_MULTI_KEYS = 100;

const named = (namespace: string, key: string) =>
  `kv(${JSON.stringify(namespace)}) key ${JSON.stringify(key)}`;

/**
 * Refuses a write with `ifVersion: expected` on what the key holds now: nothing there
 * (`kv.not-found`), or another version (`kv.version-mismatch`; undefined when an earlier change
 * of the same write went first).
 */
export function checkVersion(
  namespace: string,
  key: string,
  current: unknown,
  version: number | undefined,
  expected: number,
): void {
  if (current === undefined) {
    throw new DynatomError(
      "kv.not-found",
      `${named(namespace, key)}: no value is there, so version ${expected} cannot be replaced; nothing was written.`,
      { details: { namespace, key, expected } },
    );
  }
  if (version !== expected) {
    const actual = version ?? -1;
    throw new DynatomError(
      "kv.version-mismatch",
      `${named(namespace, key)} is at version ${actual}, not ${expected}; nothing was written. Read its entry again and decide on the current value.`,
      { details: { namespace, key, expected, actual } },
    );
  }
}

/** A create-only put on a live key. */
export function keyExistsError(
  namespace: string,
  key: string,
  version: number,
): DynatomError<"kv.key-exists"> {
  return new DynatomError(
    "kv.key-exists",
    `${named(namespace, key)} already holds a value (version ${version}); put with ifAbsent writes only where none is. Nothing was written.`,
    { details: { namespace, key, version } },
  );
}

/** Checks the keys of one transaction: each a valid key, at most {@link MAX_MULTI_KEYS}. */
export function checkMany(namespace: string, keys: readonly string[]): void {
  for (const key of keys) checkName(namespace, "key", key);
  if (keys.length <= MAX_MULTI_KEYS) return;
  throw new DynatomError(
    "kv.too-many-keys",
    `kv(${JSON.stringify(namespace)}): ${keys.length} keys are more than one transaction takes (${MAX_MULTI_KEYS}); nothing was sent. Split them into groups of ${MAX_MULTI_KEYS}.`,
    {
      details: {
        namespace,
        key: keys[MAX_MULTI_KEYS] ?? "",
        count: keys.length,
        limit: MAX_MULTI_KEYS,
      },
    },
  );
}
