import { assocIn, badStep, dissocIn, getIn } from "../atom/path.js";
import type { Decision } from "../atom/write.js";
import type { KvValue } from "./definitions.js";
import { invalidOption } from "./names.js";

/** A path into a value: object fields, array indexes, Map keys. */
export type KvPath = readonly (string | number)[];

/** Checks a path's shape before anything is sent (its fit to the value is checked on it). */
export function checkPath(namespace: string, key: string, path: unknown, emptyOk: boolean): void {
  const ok =
    Array.isArray(path) &&
    path.every(
      (step) =>
        typeof step === "string" ||
        (typeof step === "number" && Number.isInteger(step) && step >= 0),
    );
  if (!ok) {
    throw invalidOption(namespace, key, "path", "takes an array of strings and whole numbers");
  }
  if (!emptyOk && path.length === 0) {
    throw invalidOption(
      namespace,
      key,
      "path",
      "cannot be empty here: delete the key to remove its whole value",
    );
  }
}

function fits(namespace: string, key: string, value: unknown, path: KvPath, write: boolean): void {
  const bad = badStep(value, path, { write });
  if (bad !== undefined) throw invalidOption(namespace, key, "path", bad);
}

/**
 * The decision that sets the value at `path` to `fn(old)` on the key's stored record (created
 * when absent, its expiry kept); `seen` gets `[old, new]` of each run (the last run is written).
 */
export function updateAt<R>(
  namespace: string,
  key: string,
  path: KvPath,
  fn: (current: unknown) => R,
  seen: (result: [unknown, R]) => void,
): (current: unknown) => Decision {
  return (current) => {
    const stored = current as KvValue | undefined;
    fits(namespace, key, stored?.value, path, true);
    const old = getIn(stored?.value, path);
    const next = fn(old);
    seen([old, next]);
    const value = assocIn(stored?.value, path, next);
    return { write: { ...(stored ?? { ns: namespace, key }), value } };
  };
}

/** The decision that removes what is at `path`, or writes nothing when nothing is there. */
export function removeAt(
  namespace: string,
  key: string,
  path: KvPath,
): (current: unknown) => Decision {
  return (current) => {
    const stored = current as KvValue | undefined;
    // Past an array's end nothing is there to remove: no error, no write.
    fits(namespace, key, stored?.value, path, false);
    const parent = getIn(stored?.value, path.slice(0, -1));
    const last = path.at(-1) as string | number;
    const present =
      parent instanceof Map
        ? parent.has(last)
        : typeof parent === "object" && parent !== null && Object.hasOwn(parent, last);
    if (stored === undefined || !present) return { stop: true };
    return { write: { ...stored, value: dissocIn(stored.value, path) } };
  };
}
